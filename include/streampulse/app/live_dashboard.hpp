#pragma once
// What the live dashboard shares between its background task (run_dashboard_feed) and the
// routes: the viewer history, the SSE fan-out, and the latest computed metrics (for /metrics).
#include "streampulse/app/dashboard_feed.hpp"
#include "streampulse/core/dashboard.hpp"
#include "streampulse/core/viewer_history.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <optional>

namespace streampulse::app {

struct LiveDashboard {
  core::ViewerHistory history;
  DashboardFeed feed;
  std::optional<core::DashboardMetrics> latest;  // the last tick's metrics
  // history.json in STREAMPULSE_DATA_DIR (embedded backend); empty: not kept across restarts.
  std::filesystem::path history_file;
  std::optional<boost::asio::any_io_executor> file_executor;  // blocking file I/O
};

}  // namespace streampulse::app
