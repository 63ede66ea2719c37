// GET /api/dashboard/stream: the dashboard as Server-Sent Events, and GET /api/history.
// Each stream is a subscriber of the one DashboardFeed (app/dashboard_feed.hpp): the dashboard
// is computed once per tick by run_dashboard_feed, whatever the number of open streams.
#include "streampulse/api/handlers.hpp"
#include "streampulse/app/live_dashboard.hpp"
#include "streampulse/http/response.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>

namespace streampulse::api {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using asio::awaitable;

namespace {

constexpr std::chrono::milliseconds kKeepalive{15'000};  // a comment line for proxies
constexpr std::chrono::milliseconds kWriteTimeout{10'000};

// Writes one chunk of the event stream with a deadline; false when the client is gone.
awaitable<bool> send(boost::beast::tcp_stream& stream, const std::string& text) {
  stream.expires_after(kWriteTimeout);
  auto [ec, n] =
      co_await asio::async_write(stream, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

awaitable<void> stream_updates(std::shared_ptr<app::DashboardFeed::Subscriber> sub,
                               boost::beast::tcp_stream& stream) {
  std::string hello = "retry: 2000\n\n";  // named: see DEVELOPERS.md (GCC 12 and co_await)
  if (!co_await send(stream, hello)) co_return;
  for (;;) {
    auto update = co_await sub->next(kKeepalive);
    if (sub->closed()) co_return;  // the service is stopping
    std::string text;
    if (update) {
      text.reserve(update->size() + 32);
      text += "event: dashboard\ndata: ";
      text += *update;  // one line: the JSON has no newline
      text += "\n\n";
    } else {
      text = ": keepalive\n\n";
    }
    if (!co_await send(stream, text)) co_return;
  }
}

}  // namespace

http::Handler dashboard_stream_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    if (!s.live) {
      co_return http::error_response(ctx.request, bh::status::not_found, "not_found",
                                     "no live dashboard on this instance");
    }
    auto sub = s.live->feed.subscribe(co_await asio::this_coro::executor);
    if (!sub) {
      ++s.stats.dashboard_streams_refused;
      co_return http::error_response(
          ctx.request, bh::status::too_many_requests, "resource_exhausted",
          "too many open dashboard streams (" + std::to_string(s.live->feed.max_subscribers()) +
              "); poll GET /api/dashboard instead");
    }
    bh::response<bh::empty_body> head{bh::status::ok, ctx.request.version()};
    head.set(bh::field::content_type, "text/event-stream");
    head.set(bh::field::cache_control, "no-store");
    head.set("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
    head.keep_alive(false);               // the body ends when the connection closes
    http::Response res(std::move(head));
    res.stream_after(
        [sub](boost::beast::tcp_stream& stream) { return stream_updates(sub, stream); });
    co_return res;
  };
}

http::Handler history_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    if (!s.live) {
      co_return http::error_response(ctx.request, bh::status::not_found, "not_found",
                                     "no viewer history on this instance");
    }
    co_return http::text_response(ctx.request, bh::status::ok,
                                  s.live->history.to_json(s.clock.now_ms()), "application/json");
  };
}

}  // namespace streampulse::api
