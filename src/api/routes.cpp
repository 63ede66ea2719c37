// The routing table of contract.md.
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"

namespace streampulse::api {

using boost::beast::http::verb;

void add_routes(http::Router& router, app::Services& s) {
  constexpr std::size_t kTopicBodyLimit = 64 * 1024;  // the handler answers 413 past 4 KiB
  router.add(verb::get, "/healthz", healthz_handler(s));
  router.add(verb::get, "/readyz", readyz_handler(s));
  router.add(verb::get, "/metrics", metrics_handler(s));
  router.add(verb::get, "/api/player-config", player_config_handler(s));
  router.add(verb::get, "/api/dashboard", dashboard_handler(s));
  router.add(verb::post, "/api/simulations", simulations_handler(s), 0,
             admin_guard(s.config.admin_token));
  if (s.config.heartbeat_intake != "subscription") {
    router.add(verb::post, "/webhook", webhook_handler(s));
    router.add(verb::post, "/data", webhook_handler(s));  // the original demo's path
  }
  router.add_prefix(verb::post, "/topics/", topic_publish_handler(s), kTopicBodyLimit);
  router.add_prefix(verb::get, "/topics/", topic_subscribe_handler(s));
  add_page_routes(router, s);
}

}  // namespace streampulse::api
