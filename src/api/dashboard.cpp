// GET /api/dashboard: the metrics, computed on demand from the audience index. With
// `?stream=<id>`, that stream's players only (api::stream_param: 404 stream_not_found for an id
// not in the catalog, 400 invalid_stream for a malformed one); without, every stream together. Runs
// on the state loop (it reads the catalog).
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/response.hpp"

namespace streampulse::api {

namespace bh = boost::beast::http;

http::Handler dashboard_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
    auto stream = stream_param(s, ctx);
    if (stream.refusal) co_return std::move(*stream.refusal);
    if (stream.id) {
      const std::string id = *stream.id;
      // The default stream alone in the catalog: its figures are the whole audience's (the
      // audience keeps no per-stream activity then, service/audience.cpp).
      if (s.streams.size() == 1) {
        auto all = co_await s.audience.dashboard();
        if (all.has_error()) co_return store_error_response(ctx.request, all.error());
        co_return http::text_response(ctx.request, bh::status::ok, core::to_json_text(*all),
                                      "application/json");
      }
      auto metrics = co_await s.audience.stream_dashboard(id);
      co_return http::text_response(ctx.request, bh::status::ok, core::to_json_text(metrics),
                                    "application/json");
    }
    auto metrics = co_await s.audience.dashboard();
    if (metrics.has_error()) co_return store_error_response(ctx.request, metrics.error());
    co_return http::text_response(ctx.request, bh::status::ok, core::to_json_text(*metrics),
                                  "application/json");
  };
}

}  // namespace streampulse::api
