// GET /healthz (the process answers) and GET /readyz (the backend answers); /metrics: metrics.cpp.
#include "streampulse/api/handlers.hpp"
#include "streampulse/http/response.hpp"

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
                                     {"backend", config::to_string(s.config.backend)},
                                     {"message", pong.error().message()}});
    }
    co_return http::json_response(
        ctx.request, bh::status::ok,
        {{"status", "ready"}, {"backend", config::to_string(s.config.backend)}});
  };
}

}  // namespace streampulse::api
