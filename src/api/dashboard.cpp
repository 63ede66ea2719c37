// GET /api/dashboard: the metrics, computed on demand from the audience index.
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/response.hpp"

namespace streampulse::api {

http::Handler dashboard_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
    auto metrics = co_await s.audience.dashboard();
    if (metrics.has_error()) co_return store_error_response(ctx.request, metrics.error());
    co_return http::text_response(ctx.request, boost::beast::http::status::ok,
                                  core::to_json_text(*metrics), "application/json");
  };
}

}  // namespace streampulse::api
