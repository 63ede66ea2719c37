#pragma once
// What the live dashboard shares between its background task (run_dashboard_feed) and the
// routes: the viewer history, the SSE fan-out, and the latest computed metrics (for /metrics);
// and the same per stream (issue 15, part 4): a feed for each stream someone watches
// (GET /api/dashboard/stream?stream=<id>) and a history for each stream of the catalog that
// had viewers (GET /api/history?stream=<id>). State loop only.
#include "streampulse/core/dashboard.hpp"
#include "streampulse/core/viewer_history.hpp"
#include "streampulse/service/dashboard_feed.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace streampulse::service {

struct LiveDashboard {
  core::ViewerHistory history;
  DashboardFeed feed;
  std::optional<core::DashboardMetrics> latest;  // the last tick's metrics
  // history.json in STREAMPULSE_DATA_DIR (embedded backend); empty: not kept across restarts.
  std::filesystem::path history_file;
  std::optional<boost::asio::any_io_executor> file_executor;  // blocking file I/O

  // One stream's SSE fan-out. Created by the first subscriber, dropped at the tick that finds
  // it without subscribers or its stream gone from the catalog (its streams then end); so the
  // feed task computes a stream's dashboard only while someone watches it.
  struct StreamFeed {
    explicit StreamFeed(std::size_t max_subscribers) : feed(max_subscribers) {}
    DashboardFeed feed;
    std::string last_shape;  // the last update without its time, to publish on change
    core::EpochMs last_push = 0;
  };
  std::map<std::string, StreamFeed, std::less<>> stream_feeds;

  // One stream's active viewers over time, recorded each tick from Audience::stream_figures
  // (per stream sums the count publisher computes anyway; no work per heartbeat). Made at the
  // first tick a stream has an active viewer, for streams of the catalog only, and dropped when
  // the stream leaves it; at most kMaxStreamHistories (the least recently watched goes first).
  // Not kept across restarts (the whole service's history is). While the catalog holds only
  // the default stream, its history is the whole service's and none is kept here.
  static constexpr std::size_t kMaxStreamHistories = 256;
  struct StreamHistory {
    core::ViewerHistory history;
    core::EpochMs last_watched = 0;  // the last tick with an active viewer
  };
  std::map<std::string, std::unique_ptr<StreamHistory>, std::less<>> stream_histories;

  // Open dashboard streams, the whole service's and every stream's: one bound for them all
  // (feed.max_subscribers()).
  std::size_t subscribers();
  // A subscriber of `stream_id`'s feed (made if needed); null past the bound or when stopping.
  std::shared_ptr<DashboardFeed::Subscriber> subscribe_stream(const std::string& stream_id,
                                                              boost::asio::any_io_executor ex);
  // Records one tick's active count per stream. `actives`: each catalog stream's count (streams
  // missing from it count 0); `in_catalog` says whether a history's stream is still listed.
  void record_streams(core::EpochMs now, const std::map<std::string, std::uint64_t>& actives,
                      const std::function<bool(const std::string&)>& in_catalog);
  // `stream_id`'s history as JSON (ViewerHistory::to_json; empty rings when none is kept).
  std::string stream_history_json(const std::string& stream_id, core::EpochMs now) const;
  // Ends every stream's feed (the service is stopping).
  void close_streams();
};

}  // namespace streampulse::service
