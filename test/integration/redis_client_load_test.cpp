// redis::Connection under load against a real redis-server: a thousand pipelined calls from two
// threads, the bound on pending commands, and a blocking XREAD on a second connection.
#include "redis_client_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <string>
#include <thread>

namespace streampulse::redis {
namespace {

using namespace client_tests;

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

}  // namespace
}  // namespace streampulse::redis
