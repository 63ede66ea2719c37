// GET /healthz, /readyz and /metrics.
#include "metrics_text.hpp"
#include "streampulse/api/handlers.hpp"
#include "streampulse/http/response.hpp"
#include "streampulse/service/live_dashboard.hpp"
#include "streampulse/service/memory_limit.hpp"
#include "streampulse/service/process_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

http::Handler healthz_handler(service::Services&) {
  return [](http::RequestContext& ctx) -> awaitable<http::Response> {
    co_return http::json_response(ctx.request, bh::status::ok, {{"status", "ok"}});
  };
}

http::Handler readyz_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto pong = co_await s.store.ping();
    if (pong.has_error()) {
      co_return http::json_response(ctx.request, bh::status::service_unavailable,
                                    {{"status", "unavailable"},
                                     {"backend", s.config.backend},
                                     {"message", pong.error().message()}});
    }
    co_return http::json_response(ctx.request, bh::status::ok,
                                  {{"status", "ready"}, {"backend", s.config.backend}});
  };
}

namespace {

void quality_metrics(MetricsText& m, const core::QualityMetrics& q) {
  m.family("streampulse_players_state", "gauge",
           "active players by the state their last heartbeat reported");
  m.sample("streampulse_players_state", "state=\"playing\"", q.states.playing);
  m.sample("streampulse_players_state", "state=\"paused\"", q.states.paused);
  m.sample("streampulse_players_state", "state=\"buffering\"", q.states.buffering);
  m.optional_gauge("streampulse_buffer_rate",
                   "share of the active players reporting a state that are buffering",
                   q.buffer_rate);
  m.optional_gauge("streampulse_rebuffer_ratio",
                   "stalled time over play time plus stalled time, players reporting rebuffering",
                   q.rebuffer_ratio);
  m.optional_gauge("streampulse_zero_buffer_share",
                   "share of the players reporting rebuffering that never stalled",
                   q.zero_buffer_share);
  if (q.rebuffer_count) {
    m.metric("streampulse_rebuffer_events", "gauge", "stalls of the tracked players",
             *q.rebuffer_count);
  }
  if (q.rebuffer_ms) {
    m.metric("streampulse_rebuffer_seconds", "gauge", "stalled time of the tracked players",
             *q.rebuffer_ms / 1000.0);
  }
  m.quantiles("streampulse_startup_seconds", "startup time (play request to first frame)",
              q.startup_p50, q.startup_p95, 0.001);
  m.quantiles("streampulse_bitrate_kbps", "declared bitrate of the renditions played",
              q.bitrate_p50, q.bitrate_p95);
  m.optional_gauge("streampulse_bitrate_time_weighted_kbps",
                   "bitrate weighted by the time played at it", q.bitrate_time_weighted);
  m.quantiles("streampulse_throughput_bps", "measured throughput (the players' estimate)",
              q.throughput_p50, q.throughput_p95);
  if (q.errors) {
    m.metric("streampulse_playback_errors", "gauge", "playback errors of the tracked players",
             *q.errors);
  }
  if (q.dropped_frames) {
    m.metric("streampulse_dropped_frames", "gauge", "dropped frames of the tracked players",
             *q.dropped_frames);
  }
}

// Each bound on what clients can make the service hold: its cap beside its use, and what was
// refused or evicted at it (docs/security.md). Label values are fixed sets.
// A per-client slot table (core/client_slots.hpp): clients holding a slot, how many clients
// it can hold, and the slots one client may hold. `slot`: "long_poll", `what`: "topic long-poll".
void slot_table_metrics(MetricsText& m, const std::string& slot, const std::string& what,
                        const core::ClientSlots::Figures& f) {
  m.metric("streampulse_" + slot + "_clients", "gauge", "clients holding a " + what, f.clients);
  m.metric("streampulse_" + slot + "_clients_max", "gauge",
           "clients that may hold " + what + "s at once", f.max_clients);
  m.metric("streampulse_" + slot + "s_per_client_max", "gauge",
           what + "s one client may hold at once", f.per_client);
}

void bounds_metrics(MetricsText& m, service::Services& s,
                    const service::AudienceFigures& audience) {
  m.metric("streampulse_players_max", "gauge", "players tracked at most (the cap)",
           audience.max_players);
  m.metric("streampulse_players_evicted_total", "counter",
           "inactive players dropped to make room for a new player at the cap", audience.evicted);
  const char* distributions[] = {"browser", "os", "device"};
  m.family("streampulse_agent_names", "gauge", "distinct agent names in use, by distribution");
  for (int k = 0; k < 3; ++k)
    m.sample("streampulse_agent_names", fmt::format("distribution=\"{}\"", distributions[k]),
             audience.agent_names[k]);
  m.metric("streampulse_agent_names_max", "gauge",
           "distinct agent names per distribution at most, per audience shard (\"other\" "
           "included)",
           audience.agent_names_max);
  m.family("streampulse_agent_names_folded_total", "counter",
           "heartbeats whose agent name counted as \"other\" because its distribution was full");
  for (int k = 0; k < 3; ++k)
    m.sample("streampulse_agent_names_folded_total",
             fmt::format("distribution=\"{}\"", distributions[k]), audience.agent_names_folded[k]);
  core::ClientSlots::Figures polls, streams;
  if (s.long_poll_slots) polls = s.long_poll_slots->figures();
  if (s.stream_slots) streams = s.stream_slots->figures();
  m.metric("streampulse_connections_max", "gauge",
           "open connections at most (the cap; sized from the open-file limit unless set)",
           s.config.max_connections);
  m.metric("streampulse_long_polls_open", "gauge", "topic long-polls waiting", polls.open);
  m.metric("streampulse_long_polls_max", "gauge", "topic long-polls waiting at most",
           s.config.max_long_polls);
  slot_table_metrics(m, "long_poll", "topic long-poll", polls);
  if (s.live) {
    m.metric("streampulse_dashboard_streams_max", "gauge", "open dashboard event streams at most",
             s.live->feed.max_subscribers());
  }
  slot_table_metrics(m, "dashboard_stream", "dashboard stream", streams);
  m.family("streampulse_refusals_total", "counter", "requests refused at a bound, by bound");
  m.sample("streampulse_refusals_total", "reason=\"too_many_players\"", audience.refused);
  m.sample("streampulse_refusals_total", "reason=\"connections\"",
           s.stats.connections_refused.load());
  m.sample("streampulse_refusals_total", "reason=\"long_polls\"",
           s.stats.long_polls_refused.load());
  m.sample("streampulse_refusals_total", "reason=\"long_polls_per_client\"",
           polls.refused_per_client);
  m.sample("streampulse_refusals_total", "reason=\"long_poll_clients\"", polls.refused_table_full);
  m.sample("streampulse_refusals_total", "reason=\"dashboard_streams_per_client\"",
           streams.refused_per_client);
  m.sample("streampulse_refusals_total", "reason=\"dashboard_stream_clients\"",
           streams.refused_table_full);
}

// The process (the names client libraries use, so stock dashboards work) and the build.
void process_metrics(MetricsText& m) {
  const auto p = service::read_process_metrics();
  m.metric("process_cpu_seconds_total", "counter", "user and system CPU time spent in seconds",
           p.cpu_seconds);
  if (p.resident_memory_bytes) {
    m.metric("process_resident_memory_bytes", "gauge", "resident memory size in bytes",
             *p.resident_memory_bytes);
  }
  if (p.virtual_memory_bytes) {
    m.metric("process_virtual_memory_bytes", "gauge", "virtual memory size in bytes",
             *p.virtual_memory_bytes);
  }
  if (p.open_fds) {
    m.metric("process_open_fds", "gauge", "number of open file descriptors", *p.open_fds);
  }
  if (p.max_fds) {
    m.metric("process_max_fds", "gauge", "maximum number of open file descriptors", *p.max_fds);
  }
  if (p.start_time_seconds) {
    m.metric("process_start_time_seconds", "gauge",
             "start time of the process since the Unix epoch in seconds", *p.start_time_seconds);
  }
  // The cgroup's limit beside process_resident_memory_bytes, for alerts (absent when none).
  if (const auto limit = service::cgroup_memory_limit()) {
    m.metric("streampulse_memory_limit_bytes", "gauge",
             "memory limit of the container (cgroup) in bytes", *limit);
  }
  m.family("streampulse_build_info", "gauge", "always 1; the build's version as a label");
  m.sample("streampulse_build_info", fmt::format("version=\"{}\"", STREAMPULSE_VERSION), 1);
}

// The streams with the most active viewers get a series each, labelled with their id; the rest
// are summed in one series, stream="(other)" (not a valid stream id, so it never clashes), so
// that the sum over `stream` is the whole audience and the series stay bounded however large
// the catalog (docs/api.md, "Metrics").
constexpr std::size_t kTopStreams = 20;
constexpr const char* kOtherStreams = "(other)";

struct StreamRow {
  const std::string* id;
  std::uint64_t active = 0, tracked = 0, peak = 0;
  bool has_peak = false;
};

// O(streams in the catalog) per scrape: the per-stream sums are the ones the count publisher
// reads (Audience::stream_figures); the default stream's figures are the whole audience's less
// the others', as GET /api/streams has them. On the state loop (the catalog lives there).
void stream_metrics(MetricsText& m, service::Services& s, const core::DashboardMetrics& whole,
                    const std::map<std::string, core::StreamFigures>& per_stream) {
  const auto ids = s.streams->ids()->current();
  std::vector<StreamRow> rows;
  rows.reserve(ids->ids.size());
  std::uint64_t others_active = 0, others_tracked = 0;
  StreamRow* main_row = nullptr;
  for (const auto& id : ids->ids) {
    StreamRow& r = rows.emplace_back(StreamRow{&id});
    if (id == ids->default_id) continue;
    if (auto it = per_stream.find(id); it != per_stream.end()) {
      r.active = it->second.active;
      r.tracked = it->second.total;
    }
    others_active += r.active;
    others_tracked += r.tracked;
    if (auto it = s.stream_peaks.find(id); it != s.stream_peaks.end() && it->second.at > 0) {
      r.peak = it->second.players;
      r.has_peak = true;
    }
  }
  for (auto& r : rows) {
    if (*r.id == ids->default_id) main_row = &r;
  }
  if (main_row) {
    main_row->active = whole.active > others_active ? whole.active - others_active : 0;
    main_row->tracked = whole.total > others_tracked ? whole.total - others_tracked : 0;
    if (s.live && s.live->history.peak().at > 0) {
      main_row->peak = s.live->history.peak().players;
      main_row->has_peak = true;
    }
  }
  const std::size_t top = std::min(kTopStreams, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(top), rows.end(),
                    [](const StreamRow& a, const StreamRow& b) {
                      if (a.active != b.active) return a.active > b.active;
                      return *a.id < *b.id;
                    });
  std::uint64_t rest_active = 0, rest_tracked = 0;
  for (std::size_t i = top; i < rows.size(); ++i) {
    rest_active += rows[i].active;
    rest_tracked += rows[i].tracked;
  }
  const auto label = [](const std::string& id) {
    return fmt::format("stream=\"{}\"", MetricsText::label_value(id));
  };
  m.metric("streampulse_streams", "gauge", "streams in the catalog (the default included)",
           rows.size());
  m.family("streampulse_stream_players_active", "gauge",
           "players seen within the active window, by stream: the 20 streams with the most, "
           "the rest summed as stream=\"(other)\"");
  for (std::size_t i = 0; i < top; ++i)
    m.sample("streampulse_stream_players_active", label(*rows[i].id), rows[i].active);
  m.sample("streampulse_stream_players_active", label(kOtherStreams), rest_active);
  m.family("streampulse_stream_players_tracked", "gauge",
           "players seen within the retention, by stream (the same streams as "
           "streampulse_stream_players_active)");
  for (std::size_t i = 0; i < top; ++i)
    m.sample("streampulse_stream_players_tracked", label(*rows[i].id), rows[i].tracked);
  m.sample("streampulse_stream_players_tracked", label(kOtherStreams), rest_tracked);
  bool any_peak = false;
  for (std::size_t i = 0; i < top; ++i) any_peak = any_peak || rows[i].has_peak;
  if (!any_peak) return;
  m.family("streampulse_stream_players_peak", "gauge",
           "most active players seen at once since start, by stream (the same streams; none "
           "for the rest)");
  for (std::size_t i = 0; i < top; ++i) {
    if (rows[i].has_peak)
      m.sample("streampulse_stream_players_peak", label(*rows[i].id), rows[i].peak);
  }
}

}  // namespace

http::Handler metrics_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto dashboard = co_await s.audience.dashboard();
    const auto audience = co_await s.audience.figures();
    const auto& st = s.stats;
    MetricsText m;
    // What /readyz tells, as a gauge alerts can read: this scrape's own backend read answered
    // (no extra call, so a scrape during an outage waits on one deadline, not two).
    m.metric("streampulse_ready", "gauge",
             "1 when the backend answered this scrape's read (as /readyz checks)",
             dashboard ? 1 : 0);
    m.metric("streampulse_players_active", "gauge", "players seen within the active window",
             dashboard ? dashboard->active : 0);
    m.metric("streampulse_players_tracked", "gauge", "players seen within the retention",
             audience.tracked);
    bounds_metrics(m, s, audience);
    if (dashboard && s.streams) {
      const auto per_stream = co_await s.audience.stream_figures();
      stream_metrics(m, s, *dashboard, per_stream);
    }
    if (dashboard) quality_metrics(m, dashboard->quality);
    if (s.live) {
      const auto peak = s.live->history.peak();
      if (peak.at > 0) {
        m.metric("streampulse_players_peak", "gauge", "most active players seen at once",
                 peak.players);
        m.metric("streampulse_players_peak_timestamp_seconds", "gauge",
                 "when the peak was seen (Unix time)", static_cast<double>(peak.at) / 1000.0);
      }
      m.metric("streampulse_dashboard_streams", "gauge", "open dashboard event streams",
               s.live->subscribers());
    }
    m.metric("streampulse_heartbeats_accepted_total", "counter", "valid heartbeats recorded",
             st.heartbeats_accepted);
    m.metric("streampulse_heartbeats_invalid_total", "counter", "heartbeats refused as invalid",
             st.heartbeats_invalid);
    m.metric("streampulse_heartbeats_failed_total", "counter",
             "valid heartbeats the backend did not record", st.heartbeats_failed);
    m.metric("streampulse_heartbeats_duplicate_total", "counter",
             "heartbeats received twice (webhook and subscription) and recorded once",
             st.heartbeats_duplicate);
    m.family("streampulse_heartbeats_refused_total", "counter",
             "heartbeats and webhook events not recorded, by reason");
    m.sample("streampulse_heartbeats_refused_total", "reason=\"invalid\"", st.heartbeats_invalid);
    m.sample("streampulse_heartbeats_refused_total", "reason=\"unauthorized\"",
             st.webhooks_unauthorized);
    m.sample("streampulse_heartbeats_refused_total", "reason=\"stale\"", st.webhooks_stale);
    m.sample("streampulse_heartbeats_refused_total", "reason=\"duplicate\"",
             st.heartbeats_duplicate);
    m.sample("streampulse_heartbeats_refused_total", "reason=\"backend\"", st.heartbeats_failed);
    m.sample("streampulse_heartbeats_refused_total", "reason=\"too_many_players\"",
             audience.refused);
    m.sample("streampulse_heartbeats_refused_total", "reason=\"invalid_cmcd\"",
             st.cmcd_reports_invalid);
    if (const auto by_field = st.heartbeats_invalid_by_field(); !by_field.empty()) {
      m.family("streampulse_heartbeats_invalid_by_field_total", "counter",
               "invalid heartbeats by the field the refusal names");
      for (const auto& [field, n] : by_field)
        m.sample("streampulse_heartbeats_invalid_by_field_total",
                 fmt::format("field=\"{}\"", field), n);
    }
    m.metric("streampulse_cmcd_reports_total", "counter", "CMCD reports recorded",
             st.cmcd_reports_accepted);
    m.metric("streampulse_webhooks_unauthorized_total", "counter",
             "webhook events with a missing or wrong signature", st.webhooks_unauthorized);
    m.metric("streampulse_webhooks_stale_total", "counter",
             "webhook events outside the replay window", st.webhooks_stale);
    if (s.redis_figures) {
      const auto r = s.redis_figures();
      m.family("streampulse_redis_connected", "gauge",
               "1 while the connection to Redis is up: commands (pipelined), mirror (the topics' "
               "blocking read)");
      m.sample("streampulse_redis_connected", "connection=\"commands\"",
               r.commands_connected ? 1 : 0);
      m.sample("streampulse_redis_connected", "connection=\"mirror\"", r.mirror_connected ? 1 : 0);
      m.metric("streampulse_redis_reconnects_total", "counter",
               "connections to Redis made again after a loss", r.reconnects);
      m.metric("streampulse_redis_commands_total", "counter",
               "commands sent to Redis, retries included", r.commands);
      m.metric("streampulse_redis_retries_total", "counter",
               "calls tried a second time (not run, or idempotent)", r.retries);
      m.metric("streampulse_redis_refused_total", "counter",
               "calls refused at once: the queue to Redis was full", r.refused_full);
      m.metric("streampulse_redis_oom_total", "counter",
               "calls Redis refused with OOM (maxmemory reached under noeviction)", r.refused_oom);
      m.metric("streampulse_redis_pending", "gauge", "commands queued or awaiting Redis's reply",
               r.pending);
      m.metric("streampulse_redis_topics_mirrored", "gauge",
               "topics this instance reads from Redis for its long-polls", r.topics_mirrored);
    }
    m.metric("streampulse_count_publisher", "gauge",
             "1 when this instance has the viewer-count duty among the instances of its cache",
             s.duty.count_publisher ? 1 : 0);
    m.metric("streampulse_count_publishes_total", "counter", "viewer count publishes",
             st.count_publishes);
    m.metric("streampulse_stream_count_publishes_total", "counter",
             "viewer count publishes of the streams other than the default (viewerCount-<id>)",
             st.stream_count_publishes);
    m.metric("streampulse_stream_count_publishes_deferred_total", "counter",
             "stream counts due but put off to a later tick by the per-instance publish "
             "budget (one per stream per tick)",
             st.stream_count_publishes_deferred);
    m.metric("streampulse_streams_counted", "gauge",
             "streams other than the default whose count is being published", st.streams_counted);
    m.metric("streampulse_count_publish_errors_total", "counter",
             "viewer count publishes that failed", st.count_publish_errors);
    // The count policy (core/count_policy.hpp): how far apart publishes must be for the
    // delivery budget, and what the settle rule and the stall guard kept from viewers.
    m.metric("streampulse_count_min_publish_interval_seconds", "gauge",
             "least time between viewer count publishes (grows with the subscribers)",
             static_cast<double>(st.count_min_interval_ms) / 1000.0);
    m.metric("streampulse_count_subscribers", "gauge",
             "subscribers waiting on the count topic, as the publisher last counted them",
             st.count_subscribers);
    m.metric("streampulse_count_dips_held_total", "counter",
             "decreases of the active count that never showed (shorter than the settle time, "
             "or after a stall)",
             st.count_dips_held);
    m.metric("streampulse_count_stalls_total", "counter",
             "count publisher wakes far later than planned (the loop stalled)", st.count_stalls);
    m.family("streampulse_backend_errors_total", "counter", "backend calls that failed, by use");
    m.sample("streampulse_backend_errors_total", "operation=\"heartbeat\"", st.heartbeats_failed);
    m.sample("streampulse_backend_errors_total", "operation=\"count_publish\"",
             st.count_publish_errors);
    m.sample("streampulse_backend_errors_total", "operation=\"dashboard_feed\"",
             st.dashboard_feed_errors);
    m.metric("streampulse_players_pruned_total", "counter", "players removed after the retention",
             st.players_pruned);
    m.metric("streampulse_dashboard_streams_refused_total", "counter",
             "dashboard event streams refused beyond the bound", st.dashboard_streams_refused);
    m.metric("streampulse_accept_failures_total", "counter",
             "failed accepts (descriptor or memory limits), each pausing the accept loop",
             st.accept_failures);
    m.metric("streampulse_tokens_issued_total", "counter", "viewer tokens handed out",
             st.tokens_issued);
    m.family("streampulse_tokens_refused_total", "counter",
             "viewer tokens refused to a client address, by reason");
    m.sample("streampulse_tokens_refused_total", "reason=\"rate\"", st.tokens_refused_rate);
    m.sample("streampulse_tokens_refused_total", "reason=\"clients_full\"",
             st.tokens_refused_clients_full);
    m.family("streampulse_reports_refused_total", "counter",
             "heartbeats and CMCD reports refused for their credential, by reason");
    m.sample("streampulse_reports_refused_total", "reason=\"player_mismatch\"",
             st.reports_refused_player_mismatch);
    m.sample("streampulse_reports_refused_total", "reason=\"bindings_full\"",
             st.reports_refused_bindings_full);
    m.sample("streampulse_reports_refused_total", "reason=\"no_token\"",
             st.reports_refused_no_token);
    m.sample("streampulse_reports_refused_total", "reason=\"media_type\"",
             st.reports_refused_media_type);
    m.sample("streampulse_reports_refused_total", "reason=\"replay_window_full\"",
             st.webhooks_replay_window_full);
    m.metric("streampulse_player_bindings", "gauge", "viewer tokens bound to a player",
             audience.bindings);
    const auto requests = st.requests();
    if (!requests.counts.empty()) {
      m.family("streampulse_requests_total", "counter",
               "API requests answered, by route class and status (pages and media not counted)");
      for (const auto& [key, n] : requests.counts)
        m.sample("streampulse_requests_total",
                 fmt::format("route=\"{}\",code=\"{}\"", key.first, key.second), n);
    }
    m.family("streampulse_request_duration_seconds", "histogram",
             "time to the answer of API requests by route class (for streams: to the head)");
    for (const auto& [route, h] : requests.latency)
      m.histogram_samples("streampulse_request_duration_seconds",
                          fmt::format("route=\"{}\"", route), h);
    m.histogram("streampulse_heartbeat_record_duration_seconds",
                "time to validate and record an accepted heartbeat", st.heartbeat_latency());
    process_metrics(m);
    co_return http::text_response(ctx.request, bh::status::ok, m.take(),
                                  "text/plain; version=0.0.4");
  };
}

}  // namespace streampulse::api
