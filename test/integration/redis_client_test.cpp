// redis::Connection against a real redis-server (test/integration/redis_server.hpp): pipelining,
// error replies, deadlines, a killed, a stopped and a restarted server, AUTH, SELECT, the queue
// bound, a blocking XREAD, TLS.
#include "redis_server.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/redis/client.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

namespace streampulse::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::RedisServer;
using testing::RedisServerOptions;
using Clock = std::chrono::steady_clock;
using CallResult = boost::system::result<std::vector<Reply>, CallError>;

#define REQUIRE_REDIS()                                     \
  do {                                                      \
    std::string why;                                        \
    if (!RedisServer::available(&why)) GTEST_SKIP() << why; \
  } while (false)

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

Options options_for(const std::string& url) {
  Options o;
  auto parsed = Url::parse(url);
  EXPECT_TRUE(parsed.has_value()) << url;
  if (parsed) o.url = *parsed;
  o.connect_timeout = 1000ms;
  o.client_name = "streampulse-test";
  return o;
}

// One exec() on `io` (the connection's loop, or another), waited for from the test thread.
CallResult exec_on(asio::io_context& io, Connection& conn, std::vector<Command> cmds,
                   std::chrono::milliseconds deadline) {
  return asio::co_spawn(io, conn.exec(std::move(cmds), deadline), asio::use_future).get();
}

// Retries PING until it answers (the connection comes up or back by itself), up to `limit`.
bool wait_until_answering(asio::io_context& io, Connection& conn, std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    auto r = exec_on(io, conn, {{"PING"}}, 300ms);
    if (r && r->size() == 1 && (*r)[0].str == "PONG") return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::chrono::milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

// SET, GET and INCR in one call, from whatever thread runs it; counts right and wrong answers.
asio::awaitable<void> set_and_get(Connection& conn, int i, std::atomic<int>& right,
                                  std::atomic<int>& wrong) {
  const auto key = "key:" + std::to_string(i);
  const auto value = "value:" + std::to_string(i * 7);
  std::vector<Command> cmds = {{"SET", key, value}, {"GET", key}, {"INCR", "n"}};
  auto r = co_await conn.exec(std::move(cmds), 10s);
  const bool ok = r && r->size() == 3 && (*r)[0].str == "OK" &&
                  (*r)[1].type == Reply::Type::string && (*r)[1].str == value &&
                  (*r)[2].type == Reply::Type::integer;
  if (ok) {
    ++right;
  } else {
    ++wrong;
  }
}

RedisServerOptions with_tcp() {
  RedisServerOptions o;
  o.tcp = true;
  return o;
}

RedisServerOptions with_tls() {
  RedisServerOptions o;
  o.tls = true;
  return o;
}

RedisServerOptions with_password(std::string password) {
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

TEST_F(RedisClient, Ping) {
  START_REDIS();
  Connection conn(loop.io.get_executor(), options_for(server().unix_url()));
  conn.start();
  auto r = exec_on(loop.io, conn, {{"PING"}, {"ECHO", "hi"}}, 2000ms);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].type, Reply::Type::status);
  EXPECT_EQ((*r)[0].str, "PONG");
  EXPECT_EQ((*r)[1].str, "hi");
  EXPECT_TRUE(conn.figures().connected);
  EXPECT_NE(server().cli({"CLIENT", "LIST"}).find("name=streampulse-test"), std::string::npos);
  // No commands: no replies, no round trip.
  auto empty = exec_on(loop.io, conn, {}, 100ms);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

TEST_F(RedisClient, TcpLoopback) {
  START_REDIS(with_tcp());
  Connection conn(loop.io.get_executor(), options_for(server().tcp_url()));
  conn.start();
  auto r = exec_on(loop.io, conn, {{"SET", "k", std::string("a\0\r\nb", 5)}, {"GET", "k"}}, 2000ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)[1].str, std::string("a\0\r\nb", 5));
}

TEST_F(RedisClient, ThousandPipelinedCallsFromTwoThreads) {
  START_REDIS();
  Connection conn(loop.io.get_executor(), options_for(server().unix_url()));
  conn.start();
  ASSERT_TRUE(wait_until_answering(loop.io, conn, 3000ms));

  std::atomic<int> right{0};
  std::atomic<int> wrong{0};
  auto caller = [&](int first, int count) {
    asio::io_context io;
    for (int i = first; i < first + count; ++i) {
      asio::co_spawn(io, set_and_get(conn, i, right, wrong), asio::detached);
    }
    io.run();
  };
  std::thread a(caller, 0, 500);
  std::thread b(caller, 500, 500);
  a.join();
  b.join();
  EXPECT_EQ(right.load(), 1000);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(server().cli({"GET", "n"}), "1000\n");
  EXPECT_EQ(conn.figures().pending, 0u);
  EXPECT_EQ(conn.figures().reconnects, 0u);
}

TEST_F(RedisClient, ErrorReplyIsAReply) {
  START_REDIS();
  Connection conn(loop.io.get_executor(), options_for(server().unix_url()));
  conn.start();
  auto r = exec_on(loop.io, conn, {{"SET", "s", "abc"}, {"INCR", "s"}, {"NOSUCHCOMMAND"}}, 2000ms);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_FALSE((*r)[0].is_error());
  EXPECT_TRUE((*r)[1].is_error());
  EXPECT_EQ((*r)[1].error_kind(), "ERR");
  EXPECT_TRUE((*r)[2].is_error());
  auto next = exec_on(loop.io, conn, {{"GET", "s"}}, 2000ms);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ((*next)[0].str, "abc");
}

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

TEST_F(RedisClient, AuthWithRequirepass) {
  START_REDIS(with_password("s3cret:%/"));
  {
    // The password percent-encoded in the URL.
    Connection conn(loop.io.get_executor(),
                    options_for("unix://:s3cret%3A%25%2F@" + server().socket_path()));
    conn.start();
    EXPECT_TRUE(wait_until_answering(loop.io, conn, 3000ms));
  }
  {
    Connection conn(loop.io.get_executor(),
                    options_for("unix://default:s3cret%3A%25%2F@" + server().socket_path()));
    conn.start();
    EXPECT_TRUE(wait_until_answering(loop.io, conn, 3000ms));  // AUTH user password (ACL)
  }
  LogCapture logs;
  {
    auto opts = options_for("unix://:wrong@" + server().socket_path());
    opts.backoff_max = 100ms;
    Connection conn(loop.io.get_executor(), opts);
    conn.start();
    for (int i = 0; i < 4; ++i) {
      auto r = exec_on(loop.io, conn, {{"PING"}}, 300ms);
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().code, make_error_code(errc::unavailable));
      EXPECT_FALSE(r.error().maybe_executed);
    }
    EXPECT_FALSE(conn.figures().connected);
    conn.stop();
  }
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(logs.count("cannot connect"), 1u) << logs.out.str();
  EXPECT_EQ(logs.count("WRONGPASS"), 1u) << logs.out.str();
}

TEST_F(RedisClient, SelectsTheDatabase) {
  START_REDIS();
  Connection conn(loop.io.get_executor(), options_for(server().unix_url(3)));
  conn.start();
  auto r = exec_on(loop.io, conn, {{"SET", "in3", "yes"}}, 2000ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(server().cli({"-n", "3", "GET", "in3"}), "yes\n");
  EXPECT_EQ(server().cli({"GET", "in3"}), "\n");
}

TEST_F(RedisClient, FullQueueRefusesAtOnce) {
  START_REDIS();
  auto opts = options_for(server().unix_url());
  opts.max_pending = 4;
  opts.max_pending_bytes = 1000;
  Connection conn(loop.io.get_executor(), opts);
  conn.start();
  ASSERT_TRUE(wait_until_answering(loop.io, conn, 3000ms));
  // The server busy for a while: three commands stay pending.
  auto busy =
      asio::co_spawn(loop.io, conn.exec({{"DEBUG", "SLEEP", "0.5"}, {"PING"}, {"PING"}}, 3000ms),
                     asio::use_future);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(conn.figures().pending, 3u);
  const auto t0 = Clock::now();
  auto refused = exec_on(loop.io, conn, {{"PING"}, {"PING"}}, 3000ms);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, make_error_code(errc::resource_exhausted));
  EXPECT_FALSE(refused.error().maybe_executed);
  EXPECT_LT(since(t0), 100ms);
  // One more command fits the count, but not 2000 more bytes.
  auto too_big = exec_on(loop.io, conn, {{"SET", "k", std::string(2000, 'x')}}, 3000ms);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().code, make_error_code(errc::resource_exhausted));
  auto fits = asio::co_spawn(loop.io, conn.exec({{"PING"}}, 3000ms), asio::use_future);
  EXPECT_EQ(conn.figures().refused_full, 2u);
  EXPECT_TRUE(busy.get().has_value());
  EXPECT_TRUE(fits.get().has_value());
  EXPECT_EQ(conn.figures().pending, 0u);
}

TEST_F(RedisClient, BlockingXreadOnASecondConnection) {
  START_REDIS();
  Connection commands(loop.io.get_executor(), options_for(server().unix_url()));
  Connection blocking(loop.io.get_executor(), options_for(server().unix_url()));
  commands.start();
  blocking.start();
  ASSERT_TRUE(wait_until_answering(loop.io, blocking, 3000ms));
  const auto t0 = Clock::now();
  auto read = asio::co_spawn(
      loop.io, blocking.exec({{"XREAD", "BLOCK", "2000", "STREAMS", "s", "$"}}, 5000ms),
      asio::use_future);
  std::this_thread::sleep_for(300ms);
  auto added = exec_on(loop.io, commands, {{"XADD", "s", "*", "f", "v"}}, 2000ms);
  ASSERT_TRUE(added.has_value());
  auto r = read.get();
  ASSERT_TRUE(r.has_value());
  EXPECT_LT(since(t0), 1500ms);
  const Reply& streams = (*r)[0];
  ASSERT_EQ(streams.type, Reply::Type::array);
  ASSERT_EQ(streams.elements.size(), 1u);
  EXPECT_EQ(streams.elements[0].elements[0].str, "s");
  const Reply& entry = streams.elements[0].elements[1].elements[0];
  EXPECT_EQ(entry.elements[0].str, (*added)[0].str);
  EXPECT_EQ(entry.elements[1].elements[1].str, "v");
  // A block that runs out answers nil, within a long deadline.
  auto timed_out =
      exec_on(loop.io, blocking, {{"XREAD", "BLOCK", "500", "STREAMS", "s", "$"}}, 5000ms);
  ASSERT_TRUE(timed_out.has_value());
  EXPECT_TRUE((*timed_out)[0].is_nil());
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

TEST_F(RedisClient, Tls) {
  REQUIRE_REDIS();
  if (!RedisServer::supports_tls()) GTEST_SKIP() << "redis-server built without TLS";
  ASSERT_NO_FATAL_FAILURE(start_server(with_tls()));
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    auto opts = options_for(server().tls_url(host));
    opts.extra_ca_file = RedisServer::tls_file("ca.pem");
    Connection conn(loop.io.get_executor(), opts);
    conn.start();
    EXPECT_TRUE(wait_until_answering(loop.io, conn, 3000ms)) << host;
    auto r = exec_on(loop.io, conn, {{"SET", "t", "over tls"}, {"GET", "t"}}, 2000ms);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ((*r)[1].str, "over tls");
  }
  LogCapture logs;
  {
    // Without the test CA the server's certificate is not trusted: never connected.
    auto opts = options_for(server().tls_url());
    Connection conn(loop.io.get_executor(), opts);
    conn.start();
    auto r = exec_on(loop.io, conn, {{"PING"}}, 500ms);
    ASSERT_FALSE(r.has_value());
    EXPECT_FALSE(r.error().maybe_executed);
    EXPECT_FALSE(conn.figures().connected);
    conn.stop();
  }
  std::this_thread::sleep_for(50ms);
  EXPECT_GE(logs.count("certificate verification failed"), 1u) << logs.out.str();
}

}  // namespace
}  // namespace streampulse::redis
