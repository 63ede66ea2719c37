// What an operator meets running the real binary: host names in --listen, stopping with one
// signal or two.
#include "persistence_support.hpp"  // free_port: below the ephemeral range
#include "reliability_support.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

using namespace streampulse::testing;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Starts the real binary with `args` after "serve"; returns its pid once /healthz answers on
// `port` (or -1 when it never did).
pid_t start_binary(unsigned short port, std::vector<std::string> args) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(STREAMPULSE_BINARY), const_cast<char*>("serve")};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(STREAMPULSE_BINARY, argv.data());
    _exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      if (http_get(port, "/healthz").status == 200) return pid;
    } catch (...) {
    }
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST(Operator, ListenTakesAHostName) {
  const auto port = persistence::free_port();
  const pid_t pid =
      start_binary(port, {"--listen", "localhost:" + std::to_string(port), "--log-level", "warn"});
  ASSERT_GT(pid, 0) << "the service did not come up on localhost:" << port;
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit_code(pid), 0);
}

// A connection in the middle of a request keeps the first stop waiting for the whole grace;
// a second signal closes it at once, and the service still exits 0.
TEST(Operator, SecondSignalCutsTheGraceShort) {
  const auto port = persistence::free_port();
  const pid_t pid =
      start_binary(port, {"--listen", "127.0.0.1:" + std::to_string(port), "--admin-token", "adm",
                          "--shutdown-grace-ms", "30000", "--log-level", "warn"});
  ASSERT_GT(pid, 0);
  asio::io_context ioc;
  tcp::socket busy(ioc);
  busy.connect({asio::ip::make_address("127.0.0.1"), port});
  // Headers and part of the body: the session is reading the body, not idle.
  asio::write(busy, asio::buffer(std::string("POST /api/simulations HTTP/1.1\r\nHost: x\r\n"
                                             "Authorization: Bearer adm\r\n"
                                             "Content-Type: application/json\r\n"
                                             "Content-Length: 100\r\n\r\n{\"player")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  kill(pid, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the first signal must wait for the request";
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit_code(pid), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// A service still waiting for its backend (no Redis there yet) stops on the first signal as it
// would once serving: gracefully, exit code 0, having served nothing. (The signals were once
// watched only from the first request on: SIGTERM killed a waiting service outright.)
TEST(Operator, ASignalWhileWaitingForRedisStopsItGracefully) {
  const auto port = persistence::free_port();
  const std::string nobody = "redis://127.0.0.1:" + std::to_string(free_port());
  ChildProcess child(STREAMPULSE_BINARY,
                     {"serve", "--listen", "127.0.0.1:" + std::to_string(port), "--backend",
                      "redis", "--redis-url", nobody, "--log-level", "info"});
  ASSERT_TRUE(eventually([&] {
    return child.output().find("waiting for redis") != std::string::npos;
  })) << child.output();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(child.stop(), 0) << "waitpid status; output:\n" << child.output();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  const std::string out = child.output();
  EXPECT_NE(out.find("received signal 15"), std::string::npos) << out;
  EXPECT_NE(out.find("stopped"), std::string::npos) << out;
  EXPECT_EQ(out.find("listening on"), std::string::npos) << out;
}

// Uptime checkers probe with HEAD: the GET's status and headers, no body.
TEST(Operator, HeadIsAnsweredOnHealthReadinessAndMetrics) {
  TestServer server;
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    auto r = http_request(server.port(), boost::beast::http::verb::head, path);
    EXPECT_EQ(r.status, 200u) << path;
    EXPECT_TRUE(r.body.empty()) << path;
    ASSERT_TRUE(r.headers.count("content-length")) << path;
    EXPECT_GT(std::stoul(r.headers["content-length"]), 0u) << path;
  }
}
