// The service's task group: a stop reaches every member (tasks on the home loop, members on
// other threads, members that join after it), wait() ends when the last one leaves (or at its
// deadline), and a failing task is reported to its owner; a cancelled one is not.
#include "streampulse/async/task_group.hpp"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using streampulse::async::Stop;
using streampulse::async::TaskGroup;
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

TEST(TaskGroup, AStopEndsEveryTaskAndWaitReturnsWhenTheLastLeaves) {
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
        group.stop(Stop::graceful);
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
        group.stop(Stop::graceful);
      },
      asio::detached);
  ioc.run();
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(group.size(), 0u);
}

// A member on another thread (as an HTTP session is) hears each step once, on its own thread;
// the home loop's wait ends when it leaves there.
TEST(TaskGroup, AMemberOnAnotherThreadHearsEachStepOnItsThreadAndItsLeaveEndsTheWait) {
  asio::io_context home, other;
  auto work = asio::make_work_guard(other);
  std::thread other_thread([&] { other.run(); });
  TaskGroup group(home.get_executor());
  std::vector<Stop> heard;  // touched on `other` only
  std::atomic<bool> on_its_thread{true};
  std::optional<TaskGroup::Membership> member;
  asio::post(other, [&] {
    member = group.join(other.get_executor(), [&](Stop step) {
      if (std::this_thread::get_id() != other_thread.get_id()) on_its_thread = false;
      heard.push_back(step);
      if (step == Stop::now) member.reset();  // leaves, as a closed connection's session does
    });
  });
  while (group.size() == 0) std::this_thread::yield();
  std::optional<bool> after_graceful, after_now;
  asio::co_spawn(
      home,
      [&]() -> asio::awaitable<void> {
        group.stop(Stop::graceful);
        group.stop(Stop::graceful);  // a step already taken: not heard again
        after_graceful = co_await group.wait(Clock::now() + 100ms);  // still a member
        group.stop(Stop::now);
        after_now = co_await group.wait(Clock::now() + 5s);
      },
      asio::detached);
  home.run();
  work.reset();
  other_thread.join();
  ASSERT_TRUE(after_graceful && after_now);
  EXPECT_FALSE(*after_graceful);
  EXPECT_TRUE(*after_now);
  EXPECT_EQ(heard, (std::vector<Stop>{Stop::graceful, Stop::now}));
  EXPECT_TRUE(on_its_thread);
  EXPECT_EQ(group.size(), 0u);
}

// A member that joins after a stop began (a connection accepted just before it) is told at once,
// and nothing is told after it has left.
TEST(TaskGroup, AMemberJoiningAfterAStopIsToldAtOnceAndNothingAfterItLeft) {
  asio::io_context ioc;
  TaskGroup group(ioc.get_executor());
  group.stop(Stop::graceful);
  EXPECT_TRUE(group.stopping());
  std::vector<Stop> late, gone;
  auto member = group.join(ioc.get_executor(), [&](Stop step) { late.push_back(step); });
  {
    auto left = group.join(ioc.get_executor(), [&](Stop step) { gone.push_back(step); });
  }  // left before the posted step ran
  ioc.run();
  EXPECT_EQ(late, (std::vector<Stop>{Stop::graceful}));
  EXPECT_TRUE(gone.empty());
  EXPECT_EQ(group.size(), 1u);
}
