// HttpClient against a tiny Beast server on 127.0.0.1:0: the connection pool, the body limit, bad
// URLs and shutdown; and the webhook sender on top of it.

#include <boost/asio/io_context.hpp>
#include "http_client_support.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/core/webhook.hpp"
#include "streampulse/net/http_client.hpp"
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

using namespace http_client_test;

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
