// The routing table of docs/api.md.
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"

#include <chrono>

namespace streampulse::api {

using boost::beast::http::verb;

namespace {

// Counts the route's answers by status and times them, for /metrics (route classes are this
// file's fixed names, so the label set is bounded).
http::Handler measured(service::Services& s, std::string route, http::Handler handler) {
  return [&s, route = std::move(route), handler = std::move(handler)](
             http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
    const auto started = std::chrono::steady_clock::now();
    http::Response res = co_await handler(ctx);
    s.stats.record_request(
        route, res.status(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    co_return res;
  };
}

}  // namespace

void add_routes(http::Router& router, service::Services& s) {
  constexpr std::size_t kTopicBodyLimit = 64 * 1024;  // the handler answers 413 past 4 KiB
  // Affinity::any: handlers that are thread-safe run on the connection's thread (see
  // http/router.hpp); every other handler runs on the state loop.
  constexpr auto kAnyThread = http::Affinity::any;
  // HEAD too: uptime checkers use it (the answer is the GET's head; response.cpp drops the body).
  for (verb v : {verb::get, verb::head}) {
    router.add(v, "/healthz", measured(s, "health", healthz_handler(s)), 0, {}, kAnyThread);
    router.add(v, "/readyz", measured(s, "health", readyz_handler(s)));
    router.add(v, "/metrics", measured(s, "metrics", metrics_handler(s)));
  }
  router.add(verb::get, "/api/player-config",
             measured(s, "player_config", player_config_handler(s)));
  router.add(verb::get, "/api/dashboard", measured(s, "dashboard", dashboard_handler(s)));
  router.add(verb::get, "/api/dashboard/stream",
             measured(s, "dashboard_stream", dashboard_stream_handler(s)));
  router.add(verb::get, "/api/history", measured(s, "history", history_handler(s)));
  router.add(verb::post, "/api/simulations", measured(s, "admin", simulations_handler(s)), 0,
             admin_guard(s.config.admin_token));
  // The catalog of streams. A PUT body is a name (200 characters) and a URL (2,048 bytes).
  constexpr std::size_t kStreamBodyLimit = 8 * 1024;
  router.add(verb::get, "/api/streams", measured(s, "streams", streams_list_handler(s)));
  router.add_prefix(verb::put, "/api/streams/", measured(s, "admin", stream_put_handler(s)),
                    kStreamBodyLimit, admin_guard(s.config.admin_token));
  router.add_prefix(verb::delete_, "/api/streams/", measured(s, "admin", stream_delete_handler(s)),
                    0, admin_guard(s.config.admin_token));
  if (s.config.heartbeat_intake != config::HeartbeatIntake::subscription) {
    router.add(verb::post, "/webhook", measured(s, "webhook", webhook_handler(s)), 0, {},
               kAnyThread);
    // the original demo's path
    router.add(verb::post, "/data", measured(s, "webhook", webhook_handler(s)), 0, {}, kAnyThread);
  }
  router.add(verb::post, "/cmcd", measured(s, "cmcd", cmcd_handler(s)));
  router.add(verb::options, "/cmcd", measured(s, "cmcd", cmcd_preflight_handler(s)));
  // The topics on the connection's thread: a publish hops to its player's shard only, a
  // long-poll waits on its own loop (embedded/embedded_store.hpp).
  router.add_prefix(verb::post, "/topics/", measured(s, "topics_publish", topic_publish_handler(s)),
                    kTopicBodyLimit, {}, kAnyThread);
  router.add_prefix(verb::get, "/topics/",
                    measured(s, "topics_subscribe", topic_subscribe_handler(s)), 0, {}, kAnyThread);
  add_page_routes(router, s);
}

}  // namespace streampulse::api
