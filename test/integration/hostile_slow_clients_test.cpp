// Hostile clients (issue 7, part 3), beyond what server_test.cpp already covers (a header drip
// cut at the deadline, 3 idle connections over a cap of 3, one oversized header, the long-poll
// bound): a drip-fed body cut at the body deadline, and 1,000 slow clients while a normal client
// reads its dashboard. hostile_limits_test.cpp has the rest.
#include "hostile_support.hpp"
#include "reliability_support.hpp"
#include "test_server.hpp"

#include "streampulse/http/response.hpp"
#include "streampulse/http/server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <thread>

using namespace streampulse;
using namespace streampulse::testing;
using namespace streampulse::testing::hostile;
namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// The HTTP server alone, with deadlines short enough to test (the App's body deadline is a
// fixed 30 s): POST /echo answers the size of the body it read.
class BareServer {
 public:
  explicit BareServer(http::ServerSettings settings) {
    router_.add(bh::verb::post, "/echo",
                [this](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
                  ++handled_;
                  co_return http::text_response(ctx.request, bh::status::ok,
                                                std::to_string(ctx.request.body().size()),
                                                "text/plain");
                });
    settings.endpoint = {asio::ip::make_address("127.0.0.1"), 0};
    server_ = std::make_unique<http::Server>(ioc_.get_executor(), settings, router_, group_);
    if (auto ec = server_->listen()) throw std::runtime_error("listen: " + ec.message());
    asio::co_spawn(ioc_, server_->run(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~BareServer() {
    asio::post(ioc_, [this] {
      server_->stop_accepting();
      group_.stop(async::Stop::now);
    });
    std::this_thread::sleep_for(50ms);
    ioc_.stop();
    thread_.join();
  }
  unsigned short port() const { return server_->local_endpoint().port(); }
  int handled() const { return handled_.load(); }

 private:
  asio::io_context ioc_;
  async::TaskGroup group_{ioc_.get_executor()};  // the sessions join it
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::atomic<int> handled_{0};
};

}  // namespace

TEST(Hostile, DripFedBodyIsCutAtTheBodyDeadline) {
  http::ServerSettings settings;
  settings.body_timeout = 600ms;
  BareServer server(settings);
  asio::io_context ioc;

  // A body sent at once is served.
  auto quick = connect_raw(ioc, server.port());
  asio::write(quick,
              asio::buffer(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                       "Connection: close\r\n\r\nhello")));
  EXPECT_NE(read_until_closed(quick, 3000ms).bytes.find("200 OK"), std::string::npos);

  // A body dripped a byte every 50 ms: each byte arrives well within any per-read timeout,
  // but the deadline covers the whole body, so the connection is closed at 600 ms, unanswered.
  auto slow = connect_raw(ioc, server.port());
  asio::write(
      slow,
      asio::buffer(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")));
  const auto start = Clock::now();
  bool cut = false;
  std::string answer;
  while (!cut && since(start) < 5s) {
    send_now(slow, "x");
    const auto got = read_until_closed(slow, 50ms);
    answer += got.bytes;
    cut = got.closed;
  }
  const auto lasted = since(start);
  EXPECT_TRUE(cut) << "the slow body was not cut within 5 s";
  EXPECT_GE(lasted, 500ms);
  EXPECT_LT(lasted, 1600ms) << "cut after " << lasted.count() << " ms; deadline 600 ms";
  EXPECT_EQ(answer, "");           // nothing to answer a client that never finished
  EXPECT_EQ(server.handled(), 1);  // only the quick request reached a handler
}

TEST(Hostile, ThousandSlowClientsDoNotDelayTheDashboard) {
  constexpr int kSlow = 1000;
  std::string why;
  // Each slow client costs two descriptors here (its socket and the server's, in-process).
  if (!ensure_fd_limit(2 * kSlow + 512, why)) GTEST_SKIP() << "cannot raise the fd limit: " << why;
  auto config = test_config();
  config.header_timeout_ms = 4000;
  TestServer server(config);
  const auto port = server.port();

  // 1,000 connections that each start a request and then drip its headers, a byte every 200 ms.
  asio::io_context ioc;
  std::vector<tcp::socket> slow;
  slow.reserve(kSlow);
  const auto opened = Clock::now();
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(connect_raw(ioc, port));
    send_now(slow.back(), "GET /api/dashboard HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  }
  std::atomic<bool> dripping{true};
  std::thread drip([&] {
    while (dripping) {
      for (auto& s : slow) send_now(s, "a");
      std::this_thread::sleep_for(200ms);
    }
  });

  // Meanwhile a normal client reads its dashboard, again and again, each time promptly.
  std::chrono::milliseconds worst{0};
  for (int i = 0; i < 20; ++i) {
    const auto t = Clock::now();
    const auto r = http_get(port, "/api/dashboard");
    worst = std::max(worst, since(t));
    EXPECT_EQ(r.status, 200u);
    EXPECT_TRUE(json::parse(r.body).as_object().contains("players")) << r.body;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_LT(worst, 1000ms) << "slowest dashboard during 1,000 slow clients";
  std::printf("[ figures  ] 1,000 slow clients: slowest of 20 dashboards %lld ms\n",
              static_cast<long long>(worst.count()));

  // The slow clients were held (not refused, not answered) ...
  int answered_early = 0;
  for (auto& s : slow) answered_early += readable_now(s) ? 1 : 0;
  EXPECT_EQ(answered_early, 0) << "slow clients were answered or closed before their deadline";
  // ... and each is cut at its header deadline (4 s after it connected), dripping or not.
  int cut = 0;
  for (auto& s : slow) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(opened + 4000ms +
                                                                            3000ms - Clock::now());
    const auto got = read_until_closed(s, std::max(left, 1ms));
    if (got.closed && got.bytes.empty()) ++cut;
  }
  dripping = false;
  drip.join();
  EXPECT_EQ(cut, kSlow) << "slow clients not cut within the header deadline + 3 s";
  EXPECT_EQ(http_get(port, "/healthz").status, 200u);
}
