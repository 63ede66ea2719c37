// GET /metrics: the Prometheus text of the service's counters (sections in metrics_sections.cpp).
#include "metrics_sections.hpp"
#include "streampulse/http/response.hpp"
#include "streampulse/service/live_dashboard.hpp"

#include <fmt/format.h>

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

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
    if (dashboard) {
      const auto per_stream = co_await s.audience.stream_figures();
      stream_metrics(m, s, *dashboard, per_stream);
    }
    if (dashboard) quality_metrics(m, dashboard->quality);
    const auto peak = s.live.history.peak();
    if (peak.at > 0) {
      m.metric("streampulse_players_peak", "gauge", "most active players seen at once",
               peak.players);
      m.metric("streampulse_players_peak_timestamp_seconds", "gauge",
               "when the peak was seen (Unix time)", static_cast<double>(peak.at) / 1000.0);
    }
    m.metric("streampulse_dashboard_streams", "gauge", "open dashboard event streams",
             s.live.subscribers());
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
