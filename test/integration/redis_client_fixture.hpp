#pragma once
// The RedisClient fixture of the redis::Connection tests (redis_client_*test.cpp) and what they
// share: a loop on its own thread, a capture of the log, options for a URL, one exec() waited for,
// and START_REDIS(), which starts a real redis-server (redis_server.hpp) as the fixture's server().
#include "redis_server.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/redis/client.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// Not in an unnamed namespace: the fixture class must be one type in every file that uses it.
namespace streampulse::redis::client_tests {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::RedisServer;
using testing::RedisServerOptions;
using Clock = std::chrono::steady_clock;
using CallResult = boost::system::result<std::vector<Reply>, CallError>;

// The start of a test that needs Redis: skips it without redis-server, else starts one (with the
// RedisServerOptions given, if any) as the fixture's server() and fails the test when it does
// not come up.
#define START_REDIS(...)                                \
  do {                                                  \
    REQUIRE_REDIS();                                    \
    ASSERT_NO_FATAL_FAILURE(start_server(__VA_ARGS__)); \
  } while (false)

// An io_context on its own thread, running until destroyed.
struct Loop {
  Loop() : guard(asio::make_work_guard(io)), thread([this] { io.run(); }) {}
  ~Loop() {
    guard.reset();
    thread.join();
  }
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  std::thread thread;
};

// Captures what spdlog logs while it lives (add and remove it while no connection runs).
struct LogCapture {
  // At info at least (other tests of this binary quieten the default logger to warn).
  LogCapture()
      : sink(std::make_shared<spdlog::sinks::ostream_sink_mt>(out)),
        level(spdlog::default_logger()->level()) {
    spdlog::default_logger()->sinks().push_back(sink);
    if (level > spdlog::level::info) spdlog::default_logger()->set_level(spdlog::level::info);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
    spdlog::default_logger()->set_level(level);
  }
  std::size_t count(const std::string& needle) {
    // The service's logger may be asynchronous (app/logging.cpp, set up by an in-process service
    // of an earlier test): its queue is drained by its own thread, so wait for the lines.
    spdlog::default_logger()->flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    sink->flush();
    const auto text = out.str();
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  }
  std::ostringstream out;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink;
  spdlog::level::level_enum level;
};

inline Options options_for(const std::string& url) {
  Options o;
  auto parsed = Url::parse(url);
  EXPECT_TRUE(parsed.has_value()) << url;
  if (parsed) o.url = *parsed;
  o.connect_timeout = 1000ms;
  o.client_name = "streampulse-test";
  return o;
}

// One exec() on `io` (the connection's loop, or another), waited for from the test thread.
inline CallResult exec_on(asio::io_context& io, Connection& conn, std::vector<Command> cmds,
                          std::chrono::milliseconds deadline) {
  return asio::co_spawn(io, conn.exec(std::move(cmds), deadline), asio::use_future).get();
}

// Retries PING until it answers (the connection comes up or back by itself), up to `limit`.
inline bool wait_until_answering(asio::io_context& io, Connection& conn,
                                 std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    auto r = exec_on(io, conn, {{"PING"}}, 300ms);
    if (r && r->size() == 1 && (*r)[0].str == "PONG") return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

inline std::chrono::milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

inline RedisServerOptions with_tcp() {
  RedisServerOptions o;
  o.tcp = true;
  return o;
}

inline RedisServerOptions with_tls() {
  RedisServerOptions o;
  o.tls = true;
  return o;
}

inline RedisServerOptions with_password(std::string password) {
  RedisServerOptions o;
  o.requirepass = std::move(password);
  return o;
}

// Every test's loop and, once START_REDIS() has run, its redis-server (which outlives the loop).
class RedisClient : public ::testing::Test {
 protected:
  void start_server(RedisServerOptions options = {}) {
    server_.emplace(std::move(options));
    ASSERT_TRUE(server_->ready()) << server_->log();
  }
  RedisServer& server() { return *server_; }

  std::optional<RedisServer> server_;
  Loop loop;
};

}  // namespace streampulse::redis::client_tests
