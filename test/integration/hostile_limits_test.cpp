// Hostile clients (issue 7, part 3), the limits: a flood of connections past the cap while a
// keep-alive client is served, long-polls past STREAMPULSE_MAX_LONG_POLLS answered 429 with the
// JSON error at once, and 431/413 answers with their JSON errors, including bodies announced or
// streamed too large. hostile_slow_clients_test.cpp has the slow clients.
#include "hostile_support.hpp"
#include "reliability_support.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <future>
#include <thread>

using namespace streampulse;
using namespace streampulse::testing;
using namespace streampulse::testing::hostile;
namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using namespace std::chrono_literals;

TEST(Hostile, FloodBeyondTheCapIsRefusedWhileServedClientsContinue) {
  constexpr std::size_t kCap = 64;
  constexpr int kFlood = 1000;
  std::string why;
  if (!ensure_fd_limit(kFlood + 2 * kCap + 512, why))
    GTEST_SKIP() << "cannot raise the fd limit: " << why;
  auto config = test_config();
  config.max_connections = kCap;
  TestServer server(config);
  const auto port = server.port();

  // One client already served, on a keep-alive connection.
  asio::io_context ioc;
  boost::beast::tcp_stream served(connect_raw(ioc, port));
  boost::beast::flat_buffer buffer;
  auto ask = [&] {
    const std::string req = "GET /api/dashboard HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(served, asio::buffer(req));
    bh::response<bh::string_body> res;
    served.expires_after(5s);
    bh::read(served, buffer, res);
    return res.result_int();
  };
  ASSERT_EQ(ask(), 200u);

  // The flood: 1,000 connections opened as fast as possible and held.
  std::vector<tcp::socket> flood;
  flood.reserve(kFlood);
  std::atomic<bool> flooding{true};
  std::thread flooder([&] {
    for (int i = 0; i < kFlood; ++i) flood.push_back(connect_raw(ioc, port));
    flooding = false;
  });
  int served_ok = 0, asked = 0;
  std::chrono::milliseconds worst{0};
  while (flooding || asked < 20) {
    const auto t = Clock::now();
    served_ok += ask() == 200u ? 1 : 0;
    ++asked;
    worst = std::max(worst, since(t));
  }
  flooder.join();
  std::this_thread::sleep_for(300ms);  // the accept loop catches up with the backlog
  EXPECT_EQ(served_ok, asked) << "the served client was refused during the flood";
  EXPECT_LT(worst, 1000ms);

  // Past the cap each got the short 503 and was closed; the others were let in (and wait).
  int refused = 0, held = 0;
  std::string refusal_seen;
  for (auto& s : flood) {
    const auto got = read_until_closed(s, readable_now(s) ? 1000ms : 0ms);
    if (got.bytes.find("503 Service Unavailable") != std::string::npos &&
        error_code_in(got.bytes) == "overloaded") {
      ++refused;
      refusal_seen = got.bytes;
    } else if (got.bytes.empty() && !got.closed) {
      ++held;
    }
  }
  std::printf(
      "[ figures  ] flood of %d over a cap of %zu: %d refused, %d held, %d dashboards "
      "served meanwhile (slowest %lld ms)\n",
      kFlood, kCap, refused, held, asked, static_cast<long long>(worst.count()));
  EXPECT_EQ(refused + held, kFlood);
  EXPECT_LE(held, static_cast<int>(kCap) - 1);  // the served client holds one place
  EXPECT_GE(refused, kFlood - static_cast<int>(kCap));
  // Each refusal said when to come back.
  EXPECT_NE(refusal_seen.find("\r\nRetry-After: 2\r\n"), std::string::npos) << refusal_seen;

  // When the flood leaves, newcomers are served again.
  flood.clear();
  EXPECT_TRUE(eventually([&] { return http_get(port, "/healthz").status == 200u; }, 3000ms));
  EXPECT_EQ(ask(), 200u);
  // And each was counted (read once the flood has left: a scrape needs a place too).
  EXPECT_GE(metric(port, "streampulse_refusals_total{reason=\"connections\"}"), refused);
}

TEST(Hostile, LongPollsBeyondTheBoundGet429AtOnce) {
  auto config = test_config();
  config.heartbeat_intake =
      config::HeartbeatIntake::webhook;  // no long-poll of the service's own intake
  config.max_long_polls = 3;
  config.long_poll_timeout_ms = 1500;
  TestServer server(config);
  const auto port = server.port();
  const std::map<std::string, std::string> admin{{"authorization", "Bearer test-admin"}};
  std::vector<std::future<HttpResult>> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(std::async(std::launch::async,
                                 [&] { return http_get(port, "/topics/video/quiet", admin); }));
  }
  std::this_thread::sleep_for(300ms);  // the three are waiting now
  const auto t = Clock::now();
  auto over = http_get(port, "/topics/video/quiet", admin);
  EXPECT_LT(since(t), 500ms) << "the poll over the bound was not refused at once";
  EXPECT_EQ(over.status, 429u);
  EXPECT_EQ(over.headers["content-type"], "application/json");
  EXPECT_EQ(over.headers["retry-after"], "2");  // the player page waits that long
  const auto body = json::parse(over.body);
  EXPECT_EQ(body.at("error").as_string(), "resource_exhausted");
  EXPECT_FALSE(body.at("message").as_string().empty());
  // The bound is for the whole service, not per topic.
  EXPECT_EQ(http_get(port, "/topics/video/quiet2", admin).status, 429u);
  EXPECT_EQ(metric(port, "streampulse_refusals_total{reason=\"long_polls\"}"), 2);
  for (auto& w : waiting) {
    const auto r = w.get();
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, R"({"items":[]})");
  }
  // Their places are free again.
  EXPECT_EQ(http_get(port, "/topics/video/quiet", admin).status, 200u);
}

TEST(Hostile, OversizedHeadersGet431WithTheJsonError) {
  TestServer server;
  const auto one_big = http_get(server.port(), "/healthz", {{"x-big", std::string(9000, 'a')}});
  EXPECT_EQ(one_big.status, 431u);
  EXPECT_EQ(json::parse(one_big.body).at("error").as_string(), "headers_too_large");
  // Many small headers add up the same way.
  std::map<std::string, std::string> many;
  for (int i = 0; i < 200; ++i) many["x-h" + std::to_string(i)] = std::string(40, 'b');
  const auto r = http_get(server.port(), "/healthz", many);
  EXPECT_EQ(r.status, 431u);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(), "headers_too_large");
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u);
}

TEST(Hostile, BodiesAnnouncedOrStreamedTooLargeGet413) {
  TestServer server;
  asio::io_context ioc;
  // Announced: 10 MB on /webhook (64 KiB limit), none of it sent; refused on the headers.
  auto announced = connect_raw(ioc, server.port());
  asio::write(announced, asio::buffer(std::string("POST /webhook HTTP/1.1\r\nHost: x\r\n"
                                                  "Content-Length: 10000000\r\n\r\n")));
  const auto t = Clock::now();
  const auto a = read_until_closed(announced, 5000ms);
  EXPECT_LT(since(t), 2500ms);
  EXPECT_NE(a.bytes.find("413 Payload Too Large"), std::string::npos) << a.bytes;
  EXPECT_EQ(error_code_in(a.bytes), "payload_too_large");

  // Streamed: chunked (no length to refuse up front), cut when it passes the limit.
  auto streamed = connect_raw(ioc, server.port());
  asio::write(streamed, asio::buffer(std::string("POST /webhook HTTP/1.1\r\nHost: x\r\n"
                                                 "Transfer-Encoding: chunked\r\n\r\n")));
  const std::string chunk = "2000\r\n" + std::string(0x2000, 'z') + "\r\n";
  boost::system::error_code ec;
  for (int i = 0; i < 12 && !ec; ++i) asio::write(streamed, asio::buffer(chunk), ec);  // 96 KiB
  const auto s = read_until_closed(streamed, 5000ms);
  EXPECT_NE(s.bytes.find("413 Payload Too Large"), std::string::npos) << s.bytes;
  EXPECT_EQ(error_code_in(s.bytes), "payload_too_large");

  // Topic messages: 4 KiB (Momento's limit) under a 64 KiB body limit.
  const auto topic = http_post(server.port(), "/topics/video/chat", std::string(4097, 'm'),
                               {{"authorization", "Bearer test-admin"}});
  EXPECT_EQ(topic.status, 413u);
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u);
}
