// The server's own behaviour: access rules on the topics API, limits, deadlines, stop.
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <future>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

tcp::socket connect(asio::io_context& ioc, unsigned short port) {
  tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  return s;
}

// Reads until the server closes; returns what arrived.
std::string read_all(tcp::socket& s) {
  std::string out;
  boost::system::error_code ec;
  std::array<char, 4096> buf;
  for (;;) {
    auto n = s.read_some(asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf.data(), n);
  }
  return out;
}

}  // namespace

TEST(Access, ViewerTokenIsScopedToItsTwoTopics) {
  TestServer server;
  const auto port = server.port();
  const auto token = viewer_token(port);
  const std::map<std::string, std::string> auth{{"authorization", token}};
  const std::string hb = R"({"playerId":"v","bitrate":1,"playTime":1})";
  EXPECT_EQ(http_post(port, "/topics/video/stream", hb, auth).status, 204u);
  EXPECT_EQ(http_post(port, "/topics/video/viewerCount", "99", auth).status, 403u);
  EXPECT_EQ(http_get(port, "/topics/video/stream", auth).status, 403u);
  EXPECT_EQ(http_post(port, "/topics/video/other", "x", auth).status, 403u);
  EXPECT_EQ(http_get(port, "/topics/other/viewerCount", auth).status, 404u);
  // Token as a query parameter works; both at once is refused, as on Momento.
  EXPECT_EQ(http_get(port, "/topics/video/viewerCount?token=" + token).status, 200u);
  EXPECT_EQ(http_get(port, "/topics/video/viewerCount?token=" + token, auth).status, 400u);
  // The admin token may do anything on the topics.
  EXPECT_EQ(
      http_post(port, "/topics/video/other", "x", {{"authorization", "Bearer test-admin"}}).status,
      204u);
}

TEST(Access, ExpiredViewerTokenIsRefused) {
  auto config = test_config();
  config.token_ttl_s = 1;
  TestServer server(config);
  const auto token = viewer_token(server.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto r = http_post(server.port(), "/topics/video/stream",
                     R"({"playerId":"v","bitrate":1,"playTime":1})", {{"authorization", token}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(), "invalid_token");
}

TEST(Limits, LongPollsAreBoundedInNumberAndTime) {
  auto config = test_config();
  config.max_long_polls = 2;
  config.long_poll_timeout_ms = 1500;
  TestServer server(config);
  const auto port = server.port();
  const std::map<std::string, std::string> admin{{"authorization", "Bearer test-admin"}};
  // Two waiting polls on a quiet topic fill the bound (the intake holds one more internally,
  // so first see how many fit).
  std::vector<std::future<HttpResult>> polls;
  for (int i = 0; i < 3; ++i) {
    polls.push_back(std::async(std::launch::async,
                               [&] { return http_get(port, "/topics/video/quiet", admin); }));
  }
  std::vector<unsigned> statuses;
  const auto start = std::chrono::steady_clock::now();
  for (auto& p : polls) statuses.push_back(p.get().status);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), 429u), statuses.end());
  // The ones admitted answered with no items when their time ran out.
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), 200u), statuses.end());
  EXPECT_LT(waited, std::chrono::milliseconds(3000));
}

TEST(Limits, OversizedHeadersGet431) {
  TestServer server;
  auto r = http_get(server.port(), "/healthz", {{"x-big", std::string(9000, 'a')}});
  EXPECT_EQ(r.status, 431u);
}

TEST(Limits, SlowHeadersAreCutAtTheDeadline) {
  auto config = test_config();
  config.header_timeout_ms = 300;
  TestServer server(config);
  asio::io_context ioc;
  auto s = connect(ioc, server.port());
  const auto start = std::chrono::steady_clock::now();
  asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\n")));
  // Drip a header byte at a time: the deadline covers the whole header, so this cannot last.
  boost::system::error_code ec;
  for (int i = 0; i < 20 && !ec; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    asio::write(s, asio::buffer(std::string("X")), ec);
  }
  read_all(s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  // The server still serves others.
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u);
}

TEST(Limits, ConnectionsBeyondTheCapAreRefusedWith503) {
  auto config = test_config();
  config.max_connections = 3;
  TestServer server(config);
  asio::io_context ioc;
  std::vector<tcp::socket> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect(ioc, server.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto extra = connect(ioc, server.port());
  const auto refusal = read_all(extra);
  EXPECT_NE(refusal.find("503 Service Unavailable"), std::string::npos);
  EXPECT_NE(refusal.find("\r\nRetry-After: 2\r\n"), std::string::npos) << refusal;
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u);
}

TEST(Server, KeepAliveServesManyRequestsOnOneConnection) {
  TestServer server;
  asio::io_context ioc;
  auto s = connect(ioc, server.port());
  std::string reqs;
  for (int i = 0; i < 5; ++i) reqs += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  reqs += "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  asio::write(s, asio::buffer(reqs));
  const auto all = read_all(s);
  std::size_t count = 0;
  for (auto pos = all.find("HTTP/1.1 200"); pos != std::string::npos;
       pos = all.find("HTTP/1.1 200", pos + 1))
    ++count;
  EXPECT_EQ(count, 6u);
}

TEST(Server, HealthReadyAndMetrics) {
  TestServer server;
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u);
  auto ready = http_get(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 200u);
  EXPECT_EQ(json::parse(ready.body).at("backend").as_string(), "embedded");
  auto metrics = http_get(server.port(), "/metrics");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.body.find("streampulse_players_active 0"), std::string::npos);
  // The process, the build, and request latency per route class (a second scrape sees the
  // first one's answer).
  const auto text = http_get(server.port(), "/metrics").body;
  for (const char* needle :
       {"\nprocess_cpu_seconds_total ", "\nprocess_resident_memory_bytes ",
        "\nprocess_virtual_memory_bytes ", "\nprocess_open_fds ", "\nprocess_max_fds ",
        "\nprocess_start_time_seconds ",
        "\nstreampulse_build_info{version=\"" STREAMPULSE_VERSION "\"} 1\n",
        "# TYPE streampulse_request_duration_seconds histogram\n",
        "\nstreampulse_request_duration_seconds_bucket{route=\"health\",le=\"+Inf\"} 2\n",
        "\nstreampulse_request_duration_seconds_count{route=\"metrics\"} 1\n",
        "\nstreampulse_request_duration_seconds_sum{route=\"metrics\"} "}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
  EXPECT_EQ(text.find("streampulse_request_duration_seconds_bucket{le="), std::string::npos);
}

// The real binary: SIGTERM during a long-poll answers it, then exits 0.
TEST(Shutdown, SigtermFinishesInFlightRequestsAndExitsZero) {
  const int port = 20000 + (getpid() % 20000);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    execl(STREAMPULSE_BINARY, STREAMPULSE_BINARY, "serve", "--listen", listen.c_str(),
          "--admin-token", "adm", "--log-level", "warn", static_cast<char*>(nullptr));
    _exit(127);
  }
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      up = http_get(static_cast<unsigned short>(port), "/healthz").status == 200;
    } catch (...) {
    }
  }
  ASSERT_TRUE(up);
  auto poll = std::async(std::launch::async, [&] {
    return http_get(static_cast<unsigned short>(port), "/topics/video/quiet",
                    {{"authorization", "Bearer adm"}});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  kill(pid, SIGTERM);
  auto r = poll.get();
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"items":[]})");
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(Limits, UnauthorizedUploadIsRefusedBeforeItsBodyIsRead) {
  TestServer server;
  asio::io_context ioc;
  auto s = connect(ioc, server.port());
  // Announce 20 MB and send none of it: the guard answers on the headers alone.
  asio::write(s, asio::buffer(std::string("PUT /media/big.ts HTTP/1.1\r\nHost: x\r\n"
                                          "Content-Length: 20000000\r\n\r\n")));
  const auto start = std::chrono::steady_clock::now();
  const auto answer = read_all(s);
  EXPECT_NE(answer.find("401 Unauthorized"), std::string::npos) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}
