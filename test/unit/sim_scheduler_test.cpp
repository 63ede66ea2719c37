// The simulator's one-timer scheduler: slots resume in time order, early on wake(), all at
// stop(); lateness is recorded. And the count a topic item carries (viewer_config.cpp).
#include "../../src/sim/scheduler.hpp"
#include "../../src/sim/viewer.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <vector>

namespace streampulse::sim {
namespace {

namespace asio = boost::asio;
using Clock = Scheduler::Clock;
using std::chrono::milliseconds;

asio::awaitable<void> sleeper(Scheduler& s, Scheduler::Slot& slot, Clock::time_point at, int id,
                              std::vector<int>& order) {
  co_await s.sleep_until(slot, at);
  order.push_back(id);
}

TEST(SimScheduler, ResumesInTimeOrderAndEarlyOnWake) {
  asio::io_context io;
  Scheduler s(io.get_executor());
  Scheduler::Slot a, b, c;
  std::vector<int> order;
  const auto now = Clock::now();
  asio::co_spawn(io, sleeper(s, a, now + milliseconds(60), 1, order), asio::detached);
  asio::co_spawn(io, sleeper(s, b, now + milliseconds(20), 2, order), asio::detached);
  asio::co_spawn(io, sleeper(s, c, now + milliseconds(10'000), 3, order), asio::detached);
  io.run_for(milliseconds(5));  // all parked
  s.wake(c);                    // long before its time
  io.run();
  EXPECT_EQ(order, (std::vector<int>{3, 2, 1}));
  EXPECT_GE(Clock::now() - now, milliseconds(60));
  EXPECT_EQ(s.lag().count(), 2u);  // the two that waited for their time
  EXPECT_LT(s.lag_max_ms(), 1000);
}

TEST(SimScheduler, StopResumesEveryoneAndLaterSleepsReturnAtOnce) {
  asio::io_context io;
  Scheduler s(io.get_executor());
  std::vector<Scheduler::Slot> slots(50);
  std::vector<int> order;
  const auto far = Clock::now() + std::chrono::hours(1);
  for (int i = 0; i < 50; ++i) {
    asio::co_spawn(io, sleeper(s, slots[i], far, i, order), asio::detached);
  }
  io.run_for(milliseconds(5));
  EXPECT_TRUE(order.empty());
  s.stop();
  io.run();
  EXPECT_EQ(order.size(), 50u);
  Scheduler::Slot late;
  asio::co_spawn(io, sleeper(s, late, far, 99, order), asio::detached);
  io.restart();
  io.run();
  EXPECT_EQ(order.back(), 99);
}

TEST(SimScheduler, ASlotParkedAgainAfterAWakeKeepsItsNewTime) {
  asio::io_context io;
  Scheduler s(io.get_executor());
  Scheduler::Slot slot;
  std::vector<int> order;
  const auto start = Clock::now();
  auto twice = [&]() -> asio::awaitable<void> {
    co_await s.sleep_until(slot, Clock::now() + milliseconds(10'000));
    order.push_back(1);
    co_await s.sleep_until(slot, Clock::now() + milliseconds(30));
    order.push_back(2);
  };
  asio::co_spawn(io, twice(), asio::detached);
  io.run_for(milliseconds(5));
  s.wake(slot);
  io.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_LT(Clock::now() - start, milliseconds(5'000));  // the stale 10 s entry fired nothing
}

TEST(SimViewer, ParsesTheCountAsThePageDoes) {
  EXPECT_EQ(parse_count("42"), 42);
  EXPECT_EQ(parse_count(" 7\n"), 7);
  EXPECT_EQ(parse_count("0"), 0);
  EXPECT_EQ(parse_count("{\"viewerCount\": 3}"), 3);
  EXPECT_EQ(parse_count("{\"count\": 5}"), 5);
  EXPECT_EQ(parse_count("-1"), -1);
  EXPECT_EQ(parse_count("three"), -1);
  EXPECT_EQ(parse_count(""), -1);
  EXPECT_EQ(parse_count("{\"other\": 1}"), -1);
}

}  // namespace
}  // namespace streampulse::sim
