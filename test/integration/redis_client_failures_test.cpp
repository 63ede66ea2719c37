// redis::Connection's deadlines and failures against a real redis-server: a deadline during
// DEBUG SLEEP, a killed, a stopped and a restarted server, stop(), and a server that answers
// with bytes that are not RESP.
#include "redis_client_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <unistd.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

namespace streampulse::redis {
namespace {

using namespace client_tests;

TEST_F(RedisClient, DeadlineDuringDebugSleepThenTheNextCallGetsItsOwnReply) {
  START_REDIS();
  Connection conn(loop.io.get_executor(), options_for(server().unix_url()));
  conn.start();
  ASSERT_TRUE(wait_until_answering(loop.io, conn, 3000ms));
  // 600 ms: fails before the 1 s sleep ends, and twice it (the stuck rule) is after it.
  const auto t0 = Clock::now();
  auto slow = exec_on(loop.io, conn, {{"DEBUG", "SLEEP", "1"}}, 600ms);
  ASSERT_FALSE(slow.has_value());
  EXPECT_EQ(slow.error().code, make_error_code(errc::deadline_exceeded));
  EXPECT_TRUE(slow.error().maybe_executed);
  EXPECT_GE(since(t0), 590ms);
  EXPECT_LT(since(t0), 900ms);
  auto next = exec_on(loop.io, conn, {{"ECHO", "mine"}}, 3000ms);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ((*next)[0].str, "mine");
  EXPECT_EQ(conn.figures().reconnects, 0u);
  EXPECT_EQ(conn.figures().pending, 0u);
}

TEST_F(RedisClient, KilledServerFailsCallsThenRecoversByItself) {
  START_REDIS();
  LogCapture logs;
  {
    auto opts = options_for(server().unix_url());
    opts.backoff_max = 200ms;
    Connection conn(loop.io.get_executor(), opts);
    conn.start();
    ASSERT_TRUE(wait_until_answering(loop.io, conn, 3000ms));
    // In flight when the server dies: unavailable, and it may have run.
    auto in_flight =
        asio::co_spawn(loop.io, conn.exec({{"DEBUG", "SLEEP", "2"}}, 5000ms), asio::use_future);
    std::this_thread::sleep_for(200ms);
    const auto t0 = Clock::now();
    server().kill9();
    auto lost = in_flight.get();
    ASSERT_FALSE(lost.has_value());
    EXPECT_EQ(lost.error().code, make_error_code(errc::unavailable));
    EXPECT_TRUE(lost.error().maybe_executed);
    EXPECT_LT(since(t0), 500ms);
    // While it is down: calls wait for it until their deadline, never written.
    for (int i = 0; i < 3; ++i) {
      const auto t1 = Clock::now();
      auto down = exec_on(loop.io, conn, {{"PING"}}, 300ms);
      ASSERT_FALSE(down.has_value());
      EXPECT_EQ(down.error().code, make_error_code(errc::unavailable));
      EXPECT_FALSE(down.error().maybe_executed);
      EXPECT_LT(since(t1), 500ms);
    }
    EXPECT_FALSE(conn.figures().connected);
    ASSERT_TRUE(server().restart()) << server().log();
    const auto t2 = Clock::now();
    EXPECT_TRUE(wait_until_answering(loop.io, conn, 5000ms));
    EXPECT_LT(since(t2), 3000ms);
    EXPECT_GE(conn.figures().reconnects, 1u);
    EXPECT_TRUE(conn.figures().connected);
  }
  // One line for the loss and one for the recovery, not one per call or per attempt.
  EXPECT_EQ(logs.count("connection lost"), 1u) << logs.out.str();
  EXPECT_EQ(logs.count("connected again"), 1u) << logs.out.str();
}

TEST_F(RedisClient, StoppedServerDeadlinesThenRecovery) {
  START_REDIS();
  auto opts = options_for(server().unix_url());
  opts.connect_timeout = 300ms;
  opts.backoff_max = 200ms;
  Connection conn(loop.io.get_executor(), opts);
  conn.start();
  ASSERT_TRUE(wait_until_answering(loop.io, conn, 3000ms));
  server().stop();
  const auto t0 = Clock::now();
  auto first = exec_on(loop.io, conn, {{"PING"}}, 300ms);
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, make_error_code(errc::deadline_exceeded));
  EXPECT_TRUE(first.error().maybe_executed);
  EXPECT_LT(since(t0), 450ms);
  // Later calls (the stuck connection is closed; reconnecting meets a silent server): each one
  // fails within its deadline and a small margin.
  for (int i = 0; i < 5; ++i) {
    const auto t1 = Clock::now();
    auto r = exec_on(loop.io, conn, {{"PING"}}, 300ms);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().code == make_error_code(errc::deadline_exceeded) ||
                r.error().code == make_error_code(errc::unavailable))
        << r.error().code.message();
    EXPECT_LT(since(t1), 450ms);
  }
  server().cont();
  EXPECT_TRUE(wait_until_answering(loop.io, conn, 5000ms));
}

TEST_F(RedisClient, StopFailsEverythingAndLaterCalls) {
  START_REDIS();
  Connection conn(loop.io.get_executor(), options_for(server().unix_url()));
  conn.start();
  ASSERT_TRUE(wait_until_answering(loop.io, conn, 3000ms));
  auto in_flight =
      asio::co_spawn(loop.io, conn.exec({{"DEBUG", "SLEEP", "1"}}, 5000ms), asio::use_future);
  std::this_thread::sleep_for(100ms);
  const auto t0 = Clock::now();
  conn.stop();
  conn.stop();
  auto r = in_flight.get();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, make_error_code(errc::unavailable));
  EXPECT_TRUE(r.error().maybe_executed);
  EXPECT_LT(since(t0), 300ms);
  auto later = exec_on(loop.io, conn, {{"PING"}}, 1000ms);
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().code, make_error_code(errc::unavailable));
  EXPECT_LT(since(t0), 400ms);
  EXPECT_FALSE(conn.figures().connected);
}

// Not a Redis: answers PINGs, except that on its first connection it answers the first command
// after the handshake with bytes that are not RESP.
class GarbageServer {
 public:
  explicit GarbageServer(std::string path)
      : path_(std::move(path)), acceptor_(io_, asio::local::stream_protocol::endpoint(path_)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~GarbageServer() {
    stopping_ = true;
    asio::local::stream_protocol::socket wake(io_);  // unblocks accept()
    boost::system::error_code ec;
    wake.connect(asio::local::stream_protocol::endpoint(path_), ec);
    thread_.join();
  }
  int accepted() const { return accepted_; }

 private:
  void serve() {
    for (;;) {
      asio::local::stream_protocol::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stopping_) return;
      const bool first = ++accepted_ == 1;
      std::thread([sock = std::move(s), first]() mutable {
        std::array<char, 4096> buf{};
        std::size_t commands = 0;
        for (;;) {
          boost::system::error_code rec;
          const auto n = sock.read_some(asio::buffer(buf), rec);
          if (rec) return;
          std::string answer;
          for (std::size_t i = 0; i < n; ++i) {
            if (buf[i] != '*') continue;  // one command per RESP array header (no nesting)
            ++commands;
            answer += first && commands == 2 ? "?garbage\r\n" : "+PONG\r\n";
          }
          asio::write(sock, asio::buffer(answer), rec);
        }
      }).detach();
    }
  }
  std::string path_;
  asio::io_context io_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

TEST_F(RedisClient, ProtocolErrorClosesTheConnection) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("sp-redis-garbage-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "s.sock").string();
  {
    GarbageServer server(path);
    LogCapture logs;
    {
      auto opts = options_for("unix://" + path);
      opts.client_name.clear();
      Connection conn(loop.io.get_executor(), opts);
      conn.start();
      auto r = exec_on(loop.io, conn, {{"PING"}}, 3000ms);
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().code, make_error_code(errc::unavailable));
      EXPECT_TRUE(r.error().maybe_executed);
      EXPECT_TRUE(wait_until_answering(loop.io, conn, 3000ms));
      EXPECT_EQ(conn.figures().reconnects, 1u);
      EXPECT_EQ(server.accepted(), 2);
    }
    EXPECT_EQ(logs.count("protocol error"), 1u) << logs.out.str();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace streampulse::redis
