// run_dashboard_feed (background.hpp): the live dashboard's task, which computes the dashboard,
// records the viewer history and publishes to the SSE streams, whole and per stream. The feed
// itself (DashboardFeed) is dashboard_feed.cpp.
#include "streampulse/service/background.hpp"

#include "background_support.hpp"
#include "streampulse/persist/blocking.hpp"
#include "streampulse/persist/history_store.hpp"
#include "streampulse/service/live_dashboard.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <optional>
#include <vector>

namespace streampulse::service {

namespace asio = boost::asio;
using detail::sleep_for;
using std::chrono::milliseconds;

namespace {

// Publishes `metrics` on `feed` when it changed (its time left out) or a second after the last.
void publish_on_change(DashboardFeed& feed, std::string& last_shape, core::EpochMs& last_push,
                       core::DashboardMetrics metrics, core::EpochMs now) {
  metrics.generated_at = 0;
  std::string shape = core::to_json_text(metrics);
  if (shape != last_shape || now - last_push >= 1000) {
    metrics.generated_at = now;
    feed.publish(core::to_json_text(metrics));
    last_shape = std::move(shape);
    last_push = now;
  }
}

// Per stream (issue 15, part 4), once a tick: each catalog stream's history (from the per stream
// sums of Audience::stream_figures, O(streams with players) per shard, as the count publisher
// reads them), and the dashboard of each stream someone watches, computed for those only.
asio::awaitable<void> update_streams(Services& s, core::EpochMs now) {
  LiveDashboard& live = s.live;
  const core::StreamCatalog& catalog = s.streams;
  const auto in_catalog = [&catalog](const std::string& id) { return catalog.find(id) != nullptr; };
  const bool several = catalog.size() > 1;
  if (several) {
    const auto figures = co_await s.audience.stream_figures();
    // Copied after the wait: the catalog may have changed meanwhile.
    const std::string default_id = catalog.default_stream().id;
    std::map<std::string, std::uint64_t> actives;
    std::uint64_t others = 0;
    for (const auto& [id, f] : figures) {
      if (id == default_id || !in_catalog(id)) continue;
      actives[id] = f.active;
      others += f.active;
    }
    // The default stream's: the whole audience's less the others' (as GET /api/streams says).
    const std::uint64_t whole = live.latest ? live.latest->active : 0;
    actives[default_id] = whole > others ? whole - others : 0;
    live.record_streams(now, actives, in_catalog);
  } else {
    live.stream_histories.clear();  // the default stream alone: its history is the whole one
  }
  std::vector<std::string> watched;
  for (auto it = live.stream_feeds.begin(); it != live.stream_feeds.end();) {
    if (!in_catalog(it->first) || it->second.feed.subscribers() == 0) {
      it->second.feed.close();  // a removed stream's dashboards end
      it = live.stream_feeds.erase(it);
    } else {
      watched.push_back(it->first);
      ++it;
    }
  }
  for (const auto& id : watched) {
    std::optional<core::DashboardMetrics> metrics;
    if (several) {
      metrics = co_await s.audience.stream_dashboard(id);
    } else {
      metrics = live.latest;  // the default stream alone: the whole audience's
    }
    auto it = live.stream_feeds.find(id);  // again: the wait may have let it go
    if (!metrics || it == live.stream_feeds.end()) continue;
    metrics->generated_at = now;
    publish_on_change(it->second.feed, it->second.last_shape, it->second.last_push,
                      std::move(*metrics), now);
  }
}

}  // namespace

asio::awaitable<void> run_dashboard_feed(Services& s) {
  LiveDashboard& live = s.live;
  std::string last_shape;  // the last update without its time, to publish on change
  core::EpochMs last_push = 0, last_save = 0;
  try {
    while (co_await sleep_for(milliseconds(250))) {
      auto metrics = co_await s.audience.dashboard();
      if (metrics.has_error()) {
        ++s.stats.dashboard_feed_errors;
        continue;
      }
      const core::EpochMs now = metrics->generated_at;
      live.history.record(now, metrics->active);
      live.latest = *metrics;
      publish_on_change(live.feed, last_shape, last_push, std::move(*metrics), now);
      co_await update_streams(s, now);
      if (!live.history_file.empty() && live.file_executor && now - last_save >= 10'000) {
        last_save = now;
        std::string text = live.history.to_json(now);
        std::string problem;
        const auto& file = live.history_file;
        auto failure = co_await persist::run_blocking(
            *live.file_executor,
            [&file, &text, &problem] { problem = persist::write_history_file(file, text); });
        if (!failure.empty() || !problem.empty())
          spdlog::warn("saving the viewer history failed: {}{}", failure, problem);
      }
    }
  } catch (const boost::system::system_error&) {
    // Cancelled inside a backend call: the service is stopping.
  }
  live.feed.close();
  live.close_streams();
  if (!live.history_file.empty()) {
    // At a stop, once, on this thread: the file is small and nothing else is left to serve.
    if (auto problem =
            persist::write_history_file(live.history_file, live.history.to_json(s.clock.now_ms()));
        !problem.empty())
      spdlog::warn("saving the viewer history failed: {}", problem);
  }
}

}  // namespace streampulse::service
