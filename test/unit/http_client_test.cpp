// HttpClient against a tiny Beast server on 127.0.0.1:0, and the webhook sender on top of it.

#include "streampulse/net/http_client.hpp"
#include <boost/asio/io_context.hpp>
#include "streampulse/core/error.hpp"
#include "streampulse/core/webhook.hpp"
#include "streampulse/sim/simulator.hpp"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <functional>
#include <optional>
#include <vector>

namespace streampulse::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

Request make(std::string url, std::optional<std::chrono::milliseconds> timeout = std::nullopt,
             bhttp::verb method = bhttp::verb::get, std::string body = {}) {
  Request r;
  r.method = method;
  r.url = std::move(url);
  r.body = std::move(body);
  r.timeout = timeout;
  return r;
}

HttpClientOptions with_connections(std::size_t n) {
  HttpClientOptions o;
  o.max_connections_per_host = n;
  return o;
}

// Paths: /hang never answers, /close answers then closes (without saying so), /flaky drops the
// connection unanswered when it is not the connection's first request, /big answers 64 KiB,
// anything else echoes method, body and x-test header.
class TestServer {
 public:
  explicit TestServer(asio::io_context& io)
      : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
           std::string(path);
  }
  int accepted = 0;
  std::vector<bhttp::request<bhttp::string_body>> requests;

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      ++accepted;
      asio::co_spawn(acceptor_.get_executor(), session(beast::tcp_stream(std::move(socket))),
                     asio::detached);
    }
  }
  asio::awaitable<void> session(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (int served = 0;; ++served) {
      bhttp::request<bhttp::string_body> req;
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, req, use_tuple);
      if (ec) co_return;
      requests.push_back(req);
      if (req.target() == "/hang") continue;  // read on: ends when the client gives up
      if (req.target() == "/flaky" && served > 0) co_return;
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      if (req.target() == "/big") {
        res.body() = std::string(64 * 1024, 'x');
      } else {
        res.body() = std::string(req.method_string()) + " " + req.body();
        res.set("x-echo", req["x-test"]);
      }
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, m] = co_await bhttp::async_write(stream, res, use_tuple);
      if (wec || req.target() == "/close") co_return;
    }
  }
  tcp::acceptor acceptor_;
};

// Runs `body` as a coroutine next to the server; stops when it returns.
void run(asio::io_context& io, std::function<asio::awaitable<void>()> body) {
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    io.stop();
    if (e) std::rethrow_exception(e);
  });
  io.run_for(20s);
}

TEST(HttpClientTest, KeepAliveConnectionIsReused) {
  asio::io_context io;
  TestServer server(io);
  HttpClient client(io.get_executor());
  std::vector<unsigned> statuses;
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      auto res = co_await client.request(make(server.url("/x")));
      statuses.push_back(res ? res.value().status : 0);
    }
  });
  EXPECT_EQ(statuses, std::vector<unsigned>(5, 200));
  EXPECT_EQ(server.accepted, 1);
}

TEST(HttpClientTest, PostBodyRoundTrip) {
  asio::io_context io;
  TestServer server(io);
  HttpClient client(io.get_executor());
  boost::system::result<Response> res;
  run(io, [&]() -> asio::awaitable<void> {
    Request req = make(server.url("/echo?a=1"), std::nullopt, bhttp::verb::post, "hello");
    req.headers.set("x-test", "42");
    req.headers.set(bhttp::field::content_type, "text/plain");
    res = co_await client.request(std::move(req));
  });
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res.value().status, 200u);
  EXPECT_EQ(res.value().body, "POST hello");
  EXPECT_EQ(res.value().headers["x-echo"], "42");
  ASSERT_EQ(server.requests.size(), 1u);
  EXPECT_EQ(server.requests[0].target(), "/echo?a=1");
  EXPECT_EQ(server.requests[0][bhttp::field::content_type], "text/plain");
  EXPECT_EQ(server.requests[0][bhttp::field::host], server.url("").substr(7));
}

TEST(HttpClientTest, TimesOutWhenTheServerNeverAnswers) {
  asio::io_context io;
  TestServer server(io);
  HttpClient client(io.get_executor());
  boost::system::result<Response> res;
  const auto t0 = std::chrono::steady_clock::now();
  run(io, [&]() -> asio::awaitable<void> {
    res = co_await client.request(make(server.url("/hang"), 200ms));
  });
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), make_error_code(errc::deadline_exceeded));
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 3s);
}

TEST(HttpClientTest, ConnectionRefused) {
  asio::io_context io;
  std::string url;
  {
    tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    url = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port()) + "/";
  }  // closed: nothing listens there now
  HttpClient client(io.get_executor());
  boost::system::result<Response> res;
  run(io, [&]() -> asio::awaitable<void> { res = co_await client.request(make(url)); });
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), asio::error::connection_refused);
}

TEST(HttpClientTest, ServerClosedIdleConnectionIsReplaced) {
  asio::io_context io;
  TestServer server(io);
  HttpClient client(io.get_executor());
  std::vector<unsigned> statuses;
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      // POST is not idempotent: this only works because the dead connection is noticed before
      // the request goes out.
      auto res =
          co_await client.request(make(server.url("/close"), std::nullopt, bhttp::verb::post, "b"));
      statuses.push_back(res ? res.value().status : 0);
      asio::steady_timer t(io, 20ms);  // let the server's FIN arrive
      co_await t.async_wait(use_tuple);
    }
  });
  EXPECT_EQ(statuses, std::vector<unsigned>(3, 200));
  EXPECT_EQ(server.accepted, 3);
}

// The server drops a reused connection after reading the request: GET is retried once on a
// fresh connection, POST is not (it may have been processed).
TEST(HttpClientTest, RetriesOnlyIdempotentRequestsAfterTheyWereSent) {
  asio::io_context io;
  TestServer server(io);
  HttpClient client(io.get_executor());
  std::vector<unsigned> gets;
  boost::system::result<Response> post;
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 2; ++i) {
      auto res = co_await client.request(make(server.url("/flaky")));
      gets.push_back(res ? res.value().status : 0);
    }
    post = co_await client.request(make(server.url("/flaky"), std::nullopt, bhttp::verb::post));
  });
  EXPECT_EQ(gets, (std::vector<unsigned>{200, 200}));
  ASSERT_FALSE(post);
  EXPECT_EQ(post.error(), bhttp::error::end_of_stream);
  EXPECT_EQ(server.accepted, 2);
}

TEST(HttpClientTest, PoolBoundsConnectionsAndQueuesWithDeadline) {
  asio::io_context io;
  TestServer server(io);
  HttpClient client(io.get_executor(), with_connections(2));
  int ok = 0;
  run(io, [&]() -> asio::awaitable<void> {
    int done = 0;
    asio::steady_timer all_done(io, std::chrono::steady_clock::time_point::max());
    for (int i = 0; i < 8; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            auto res = co_await client.request(make(server.url("/x")));
            ok += res && res.value().status == 200;
            if (++done == 8) all_done.cancel();
          },
          asio::detached);
    }
    co_await all_done.async_wait(use_tuple);
  });
  EXPECT_EQ(ok, 8);
  EXPECT_LE(server.accepted, 2);

  // Both connections stuck on /hang: a third request waits for a slot until its deadline.
  asio::io_context io2;
  TestServer server2(io2);
  HttpClient client2(io2.get_executor(), with_connections(1));
  boost::system::result<Response> queued;
  run(io2, [&]() -> asio::awaitable<void> {
    asio::co_spawn(io2, client2.request(make(server2.url("/hang"), 400ms)), asio::detached);
    queued = co_await client2.request(make(server2.url("/x"), 150ms));
    asio::steady_timer t(io2, 400ms);  // let the first one time out too
    co_await t.async_wait(use_tuple);
  });
  ASSERT_FALSE(queued);
  EXPECT_EQ(queued.error(), make_error_code(errc::deadline_exceeded));
  EXPECT_EQ(server2.accepted, 1);
}

TEST(HttpClientTest, BodyLimitAndBadUrls) {
  asio::io_context io;
  TestServer server(io);
  HttpClientOptions small;
  small.max_response_body = 1024;
  HttpClient client(io.get_executor(), small);
  boost::system::result<Response> big, ftp, garbage;
  run(io, [&]() -> asio::awaitable<void> {
    big = co_await client.request(make(server.url("/big")));
    ftp = co_await client.request(make("ftp://127.0.0.1/"));
    garbage = co_await client.request(make("not a url"));
  });
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error(), make_error_code(errc::payload_too_large));
  ASSERT_FALSE(ftp);  // http and https only (https: http_client_tls_test.cpp)
  EXPECT_EQ(ftp.error(), make_error_code(errc::invalid_argument));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error(), make_error_code(errc::invalid_argument));
}

TEST(HttpClientTest, ShutdownAbortsAndRefuses) {
  asio::io_context io;
  TestServer server(io);
  HttpClient client(io.get_executor());
  boost::system::result<Response> hung, after;
  run(io, [&]() -> asio::awaitable<void> {
    asio::steady_timer t(io, 100ms);
    t.async_wait([&](auto) { client.shutdown(); });
    hung = co_await client.request(make(server.url("/hang")));
    after = co_await client.request(make(server.url("/x")));
  });
  ASSERT_FALSE(hung);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error(), make_error_code(errc::unavailable));
}

TEST(HttpClientTest, WebhookSenderSignsEvents) {
  asio::io_context io;
  TestServer server(io);
  HttpClient client(io.get_executor());
  auto sender = sim::make_webhook_sender(client, {server.url("/webhook"), "s3cret"});
  sim::SendOutcome out;
  run(io, [&]() -> asio::awaitable<void> {
    out = co_await sender->send(R"({"playerId":"p1","bitrate":800,"playTime":1})");
  });
  EXPECT_TRUE(out.ok) << out.reason;
  ASSERT_EQ(server.requests.size(), 1u);
  const auto& req = server.requests[0];
  EXPECT_EQ(req.method(), bhttp::verb::post);
  EXPECT_EQ(req[bhttp::field::content_type], "application/json");
  EXPECT_EQ(req["momento-signature"], core::sign_webhook_body("s3cret", req.body()));
  const auto event = core::parse_webhook_event(req.body(), core::SystemClock().now_ms());
  ASSERT_TRUE(event);
  const core::WebhookEvent& ev = *event;
  EXPECT_EQ(ev.cache, "video");
  EXPECT_EQ(ev.topic, "stream");
  EXPECT_EQ(ev.topic_sequence_number, 1u);
  EXPECT_EQ(ev.token_id, "");
  EXPECT_EQ(boost::json::parse(ev.text).at("playerId").as_string(), "p1");
}

}  // namespace
}  // namespace streampulse::net
