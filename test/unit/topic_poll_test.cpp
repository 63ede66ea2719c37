// Topics of the embedded backend: long-polls, woken, timed out, shut down, cancelled and outlived
// (sequence numbers, pages and discontinuities: topic_test.cpp).
#include "topic_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>

namespace {

using namespace topic_test;

TEST_F(TopicTest, LongPollIsWokenByPublish) {
  publish("t", "a");
  const std::uint64_t page = page_of("t");
  std::optional<PollResult> first, second;
  spawn_poll("t", {2, page}, 10s, first);
  spawn_poll("t", {2, page}, 10s, second);
  after(20ms, [this]() { return store_.topic_publish("t", {false, "b"}, {}); });
  const auto start = Clock::now();
  run_all();
  EXPECT_LT(Clock::now() - start, 2s);
  ASSERT_TRUE(first && first->has_value());
  ASSERT_EQ(first->value().size(), 1u);
  EXPECT_EQ(text(first->value().at(0)), "b");
  EXPECT_EQ(seq(first->value().at(0)), 2u);
  ASSERT_TRUE(second && second->has_value());
  EXPECT_EQ(second->value().size(), 1u);
  EXPECT_EQ(store_.waiting_polls(), 0u);
}

TEST_F(TopicTest, NewSubscriberOnEmptyTopicWaitsForNextPublish) {
  std::optional<PollResult> out;
  spawn_poll("t", {0, 0}, 10s, out);
  after(20ms, [this]() { return store_.topic_publish("t", {true, "\x01"}, "p"); });
  run_all();
  ASSERT_TRUE(out && out->has_value());
  ASSERT_EQ(out->value().size(), 1u);
  EXPECT_EQ(seq(out->value().at(0)), 1u);
  EXPECT_TRUE(std::get<TopicItem>(out->value().at(0)).value.binary);
}

TEST_F(TopicTest, LongPollTimesOutEmpty) {
  publish("t", "a");
  const std::uint64_t page = page_of("t");
  const auto start = Clock::now();
  const Events events = poll("t", {2, page}, 60ms);
  EXPECT_TRUE(events.empty());
  EXPECT_GE(Clock::now() - start, 60ms);
  EXPECT_EQ(store_.waiting_polls(), 0u);
}

TEST_F(TopicTest, PublishToAnotherTopicDoesNotAnswerThePoll) {
  std::optional<PollResult> out;
  spawn_poll("t", {1, 0}, 80ms, out);
  after(10ms, [this]() { return store_.topic_publish("other", {false, "x"}, {}); });
  run_all();
  ASSERT_TRUE(out && out->has_value());
  EXPECT_TRUE(out->value().empty());
}

TEST_F(TopicLimitsTest, TooManyWaitersIsResourceExhausted) {
  std::optional<PollResult> a, b;
  spawn_poll("t", {0, 0}, 10s, a);
  spawn_poll("t", {0, 0}, 10s, b);
  io_.restart();
  io_.poll();
  EXPECT_EQ(store_.waiting_polls(), 2u);
  const PollResult third = run(store_.topic_poll("t", {0, 0}, 10s));
  EXPECT_EQ(third.error(), make_error_code(errc::resource_exhausted));
  store_.shutdown();
  run_all();
  EXPECT_TRUE(a && a->has_value() && a->value().empty());
  EXPECT_TRUE(b && b->has_value() && b->value().empty());
}

TEST_F(TopicTest, ShutdownWakesWaitersAndEndsLaterPolls) {
  publish("t", "a");
  std::optional<PollResult> a, b;
  spawn_poll("t", {2, 0}, 30s, a);
  spawn_poll("u", {0, 0}, 30s, b);
  after(20ms, [this]() -> asio::awaitable<void> {
    store_.shutdown();
    co_return;
  });
  const auto start = Clock::now();
  run_all();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(a && a->has_value() && a->value().empty());
  EXPECT_TRUE(b && b->has_value() && b->value().empty());
  EXPECT_TRUE(poll("t", {1, 0}, 30s).empty());  // would have had "a", but we are stopping
  EXPECT_EQ(run(store_.ping()).error(), make_error_code(errc::unavailable));
}

TEST_F(TopicTest, HugeMaxWaitStillWaits) {
  std::optional<PollResult> out;
  spawn_poll("t", {0, 0}, std::chrono::milliseconds::max(), out);
  io_.restart();
  io_.run_for(20ms);
  EXPECT_FALSE(out.has_value());
  EXPECT_EQ(store_.waiting_polls(), 1u);
  store_.shutdown();
  run_all();
  EXPECT_TRUE(out && out->has_value() && out->value().empty());
}

TEST_F(TopicTest, CancelledPollReturnsEmptyAndUnregisters) {
  asio::cancellation_signal cancel;
  std::optional<PollResult> out;
  asio::co_spawn(
      io_, store_.topic_poll("t", {0, 0}, 30s),
      asio::bind_cancellation_slot(cancel.slot(), [&out](std::exception_ptr e, PollResult r) {
        if (e) std::rethrow_exception(e);
        out.emplace(std::move(r));
      }));
  io_.restart();
  io_.poll();
  EXPECT_EQ(store_.waiting_polls(), 1u);
  cancel.emit(asio::cancellation_type::terminal);
  const auto start = Clock::now();
  run_all();
  EXPECT_LT(Clock::now() - start, 2s);
  ASSERT_TRUE(out && out->has_value());
  EXPECT_TRUE(out->value().empty());
  EXPECT_EQ(store_.waiting_polls(), 0u);
  publish("t", "after");  // must not touch the finished poll's waiter
}

TEST(TopicLifetimeTest, DestroyedCoroutineLeavesNoWaiter) {
  ManualClock clock;
  auto io = std::make_unique<asio::io_context>();
  EmbeddedStore store(io->get_executor(), clock);
  asio::co_spawn(*io, store.topic_poll("t", {0, 0}, 30s), asio::detached);
  io->poll();
  EXPECT_EQ(store.waiting_polls(), 1u);
  io.reset();  // destroys the suspended coroutine frame
  EXPECT_EQ(store.waiting_polls(), 0u);
}

TEST(TopicLifetimeTest, StoreDestroyedBeforeSuspendedPoll) {
  ManualClock clock;
  asio::io_context io;
  std::optional<PollResult> out;
  {
    EmbeddedStore store(io.get_executor(), clock);
    asio::co_spawn(io, store.topic_poll("t", {0, 0}, 30s),
                   [&out](std::exception_ptr, PollResult r) { out.emplace(std::move(r)); });
    io.poll();
  }
  io.run();  // the poll wakes to a shut-down state and ends
  ASSERT_TRUE(out && out->has_value());
  EXPECT_TRUE(out->value().empty());
}

}  // namespace
