// GET /api/dashboard/stream: the dashboard as Server-Sent Events, and GET /api/history.
// Each stream is a subscriber of the one DashboardFeed (service/dashboard_feed.hpp): the dashboard
// is computed once per tick by run_dashboard_feed, whatever the number of open streams. With
// `?stream=<id>` (api::stream_param's refusals), that stream's feed and history
// (service/live_dashboard.hpp); the default stream alone in the catalog is the whole service.
#include "client_slot.hpp"
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/response.hpp"
#include "streampulse/service/live_dashboard.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/empty_body.hpp>

namespace streampulse::api {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using asio::awaitable;

namespace {

constexpr std::chrono::milliseconds kKeepalive{15'000};  // a comment line for proxies

// The stream's chunks: the reconnect delay first, then each update (or a keepalive comment
// when none came for kKeepalive), until the service stops.
// `slot`: the client's stream slot, held as long as the stream (released where it ends).
http::Response::NextChunk stream_updates(std::shared_ptr<service::DashboardFeed::Subscriber> sub,
                                         std::shared_ptr<core::ClientSlots::Slot> slot) {
  auto started = std::make_shared<bool>(false);
  return [sub, started, slot]() -> awaitable<std::optional<std::string>> {
    if (!*started) {
      *started = true;
      co_return std::string("retry: 2000\n\n");
    }
    auto update = co_await sub->next(kKeepalive);
    if (sub->closed()) co_return std::nullopt;  // the service is stopping
    if (!update) co_return std::string(": keepalive\n\n");
    std::string text;
    text.reserve(update->size() + 32);
    text += "event: dashboard\ndata: ";
    text += *update;  // one line: the JSON has no newline
    text += "\n\n";
    co_return text;
  };
}

}  // namespace

http::Handler dashboard_stream_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto stream = stream_param(s, ctx);
    if (stream.refusal) co_return std::move(*stream.refusal);
    // The default stream alone in the catalog: its dashboard is the whole service's.
    if (stream.id && s.streams.size() == 1) stream.id.reset();
    auto taken = take_client_slot(s.stream_slots, s, ctx, "dashboard_streams_per_client",
                                  "dashboard streams", 5);
    if (taken.refusal) co_return std::move(*taken.refusal);
    auto slot = std::make_shared<core::ClientSlots::Slot>(std::move(*taken.slot));
    auto ex = co_await asio::this_coro::executor;
    std::shared_ptr<service::DashboardFeed::Subscriber> sub;
    if (stream.id) {
      sub = s.live.subscribe_stream(*stream.id, ex);
    } else if (s.live.subscribers() < s.live.feed.max_subscribers()) {
      sub = s.live.feed.subscribe(ex);
    }
    if (!sub) {
      ++s.stats.dashboard_streams_refused;
      co_return http::error_response(
          ctx.request, bh::status::too_many_requests, "resource_exhausted",
          "too many open dashboard streams (" + std::to_string(s.live.feed.max_subscribers()) +
              "); poll GET /api/dashboard instead");
    }
    bh::response<bh::empty_body> head{bh::status::ok, ctx.request.version()};
    head.set(bh::field::content_type, "text/event-stream");
    head.set(bh::field::cache_control, "no-store");
    head.set("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
    head.keep_alive(false);               // the body ends when the connection closes
    http::Response res(std::move(head));
    res.stream_after(stream_updates(std::move(sub), std::move(slot)));
    co_return res;
  };
}

http::Handler history_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto stream = stream_param(s, ctx);
    if (stream.refusal) co_return std::move(*stream.refusal);
    const auto now = s.clock.now_ms();
    // The default stream alone in the catalog: its history is the whole service's.
    std::string body = stream.id && s.streams.size() > 1
                           ? s.live.stream_history_json(*stream.id, now)
                           : s.live.history.to_json(now);
    co_return http::text_response(ctx.request, bh::status::ok, std::move(body), "application/json");
  };
}

}  // namespace streampulse::api
