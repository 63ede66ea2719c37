// GET /healthz, /readyz and /metrics.
#include "streampulse/api/handlers.hpp"
#include "streampulse/http/response.hpp"

#include <fmt/format.h>

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

http::Handler healthz_handler(app::Services&) {
  return [](http::RequestContext& ctx) -> awaitable<http::Response> {
    co_return http::json_response(ctx.request, bh::status::ok, {{"status", "ok"}});
  };
}

http::Handler readyz_handler(app::Services& s) {
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

http::Handler metrics_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto active = co_await s.registry.active_count();
    const auto& st = s.stats;
    std::string out;
    auto metric = [&out](std::string_view name, std::string_view type, std::string_view help,
                         auto value) {
      out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
    };
    metric("streampulse_players_active", "gauge", "players seen within the active window",
           active ? *active : 0);
    metric("streampulse_players_tracked", "gauge", "players seen within the retention",
           s.registry.tracked_players());
    metric("streampulse_heartbeats_accepted_total", "counter", "valid heartbeats recorded",
           st.heartbeats_accepted);
    metric("streampulse_heartbeats_invalid_total", "counter", "heartbeats refused as invalid",
           st.heartbeats_invalid);
    metric("streampulse_heartbeats_failed_total", "counter",
           "valid heartbeats the backend did not record", st.heartbeats_failed);
    metric("streampulse_heartbeats_duplicate_total", "counter",
           "heartbeats received twice (webhook and subscription) and recorded once",
           st.heartbeats_duplicate);
    metric("streampulse_webhooks_unauthorized_total", "counter",
           "webhook events with a missing or wrong signature", st.webhooks_unauthorized);
    metric("streampulse_webhooks_stale_total", "counter",
           "webhook events outside the replay window", st.webhooks_stale);
    metric("streampulse_count_publisher", "gauge",
           "1 when this instance has the viewer-count duty among the instances of its cache",
           s.duty.count_publisher ? 1 : 0);
    metric("streampulse_count_publishes_total", "counter", "viewer count publishes",
           st.count_publishes);
    metric("streampulse_count_publish_errors_total", "counter",
           "viewer count publishes that failed", st.count_publish_errors);
    metric("streampulse_players_pruned_total", "counter", "players removed after the retention",
           st.players_pruned);
    co_return http::text_response(ctx.request, bh::status::ok, std::move(out),
                                  "text/plain; version=0.0.4");
  };
}

}  // namespace streampulse::api
