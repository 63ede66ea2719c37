// GET /api/dashboard: the metrics, computed on demand from the audience index. With
// `?stream=<id>`, that stream's players only (404 stream_not_found for an id not in the
// catalog); without, every stream together. Runs on the state loop (it reads the catalog).
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/response.hpp"

namespace streampulse::api {

namespace bh = boost::beast::http;

http::Handler dashboard_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
    auto param = ctx.target.params().find("stream");
    if (param != ctx.target.params().end()) {
      const std::string id((*param).value);
      if (!s.streams->find(id)) {
        co_return http::error_response(ctx.request, bh::status::not_found, "stream_not_found",
                                       core::is_valid_stream_id(id)
                                           ? "no stream '" + id + "' (GET /api/streams lists them)"
                                           : std::string("no such stream: a stream id is 1 to "
                                                         "64 characters of A-Z, a-z, 0-9, '_' "
                                                         "or '-'"));
      }
      // The default stream alone in the catalog: its figures are the whole audience's (the
      // audience keeps no per-stream activity then, app/audience.cpp).
      if (s.streams->size() == 1) {
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
