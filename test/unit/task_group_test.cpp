// The App's task group: a cancel reaches every task, wait() ends when the last one leaves (or at
// its deadline), and a failing task is reported to its owner; a cancelled one is not.
#include "streampulse/app/task_group.hpp"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using streampulse::app::TaskGroup;
using Clock = std::chrono::steady_clock;

namespace {

// Waits `d` (or until cancelled); counts the tasks that got to their end either way.
asio::awaitable<void> sleeper(std::chrono::milliseconds d, int& ended) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  ++ended;
}

asio::awaitable<void> failing() {
  throw std::runtime_error("broken");
  co_return;
}

}  // namespace

TEST(TaskGroup, CancelEndsEveryTaskAndWaitReturnsWhenTheLastLeaves) {
  asio::io_context ioc;
  TaskGroup group(ioc.get_executor());
  int ended = 0;
  for (int i = 0; i < 3; ++i) group.spawn(sleeper(std::chrono::hours(1), ended), "sleeper");
  EXPECT_EQ(group.size(), 3u);
  std::optional<bool> emptied;
  Clock::duration took{};
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        const auto start = Clock::now();
        group.cancel();
        emptied = co_await group.wait(Clock::now() + 5s);
        took = Clock::now() - start;
      },
      asio::detached);
  ioc.run();  // returns: nothing is left waiting an hour
  ASSERT_TRUE(emptied.has_value());
  EXPECT_TRUE(*emptied);
  EXPECT_EQ(ended, 3);
  EXPECT_EQ(group.size(), 0u);
  EXPECT_LT(took, 1s);
}

TEST(TaskGroup, WaitGivesUpAtItsDeadlineWhileATaskRuns) {
  asio::io_context ioc;
  TaskGroup group(ioc.get_executor());
  int ended = 0;
  group.spawn(sleeper(300ms, ended), "slow");
  std::optional<bool> at_deadline, later;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        at_deadline = co_await group.wait(Clock::now() + 50ms);  // not cancelled: still running
        later = co_await group.wait(Clock::now() + 5s);          // it ends by itself
      },
      asio::detached);
  ioc.run();
  ASSERT_TRUE(at_deadline && later);
  EXPECT_FALSE(*at_deadline);
  EXPECT_TRUE(*later);
  EXPECT_EQ(ended, 1);
}

TEST(TaskGroup, AFailureIsReportedACancellationIsNot) {
  asio::io_context ioc;
  TaskGroup group(ioc.get_executor());
  int failures = 0, ended = 0;
  group.spawn(failing(), "failing", [&] { ++failures; });
  group.spawn(sleeper(std::chrono::hours(1), ended), "cancelled", [&] { ++failures; });
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(ioc, 20ms);
        co_await t.async_wait(asio::use_awaitable);
        group.cancel();
      },
      asio::detached);
  ioc.run();
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(group.size(), 0u);
}
