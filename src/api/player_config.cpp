// GET /api/player-config: where the player publishes heartbeats and reads the count.
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/response.hpp"

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

namespace {

// The service's own origin as the browser reached it (a proxy may say https).
std::string own_origin(const http::Request& req) {
  std::string scheme = "http";
  if (auto p = req.find("X-Forwarded-Proto"); p != req.end() && p->value() == "https")
    scheme = "https";
  auto host = req.find(bh::field::host);
  return scheme + "://" + std::string(host != req.end() ? host->value() : "localhost");
}

}  // namespace

http::Handler player_config_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto token =
        co_await s.tokens.vend_viewer_token(s.config.heartbeat_topic, s.config.viewer_count_topic,
                                            std::chrono::seconds(s.config.token_ttl_s));
    if (token.has_error()) co_return store_error_response(ctx.request, token.error());
    const std::string base =
        token->topics_base_url.empty() ? own_origin(ctx.request) : token->topics_base_url;
    co_return http::json_response(
        ctx.request, bh::status::ok,
        {{"topics",
          {{"baseUrl", base},
           {"cache", s.config.cache},
           {"heartbeatTopic", s.config.heartbeat_topic},
           {"viewerCountTopic", s.config.viewer_count_topic},
           {"token", token->token},
           {"expiresAt", token->expires_at_ms}}},
         {"heartbeatIntervalMs", s.config.heartbeat_interval_ms},
         {"stream", {{"url", s.config.stream_url}, {"name", s.config.stream_name}}}});
  };
}

}  // namespace streampulse::api
