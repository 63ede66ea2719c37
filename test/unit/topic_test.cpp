// Topics of the embedded backend: sequence numbers, pages, discontinuities and long-polls.
#include "run_awaitable.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/embedded/embedded_store.hpp"

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using streampulse::errc;
using streampulse::make_error_code;
using streampulse::core::ManualClock;
using streampulse::embedded::EmbeddedStore;
using streampulse::embedded::Limits;
using streampulse::store::Discontinuity;
using streampulse::store::next_position;
using streampulse::store::result;
using streampulse::store::SubscribePosition;
using streampulse::store::SubscriptionEvent;
using streampulse::store::TopicItem;
using Events = std::vector<SubscriptionEvent>;
using PollResult = result<Events>;
using Clock = std::chrono::steady_clock;

std::uint64_t seq(const SubscriptionEvent& e) {
  return std::get<TopicItem>(e).topic_sequence_number;
}
std::string text(const SubscriptionEvent& e) { return std::get<TopicItem>(e).value.data; }
const Discontinuity& gap(const SubscriptionEvent& e) { return std::get<Discontinuity>(e); }

class TopicTest : public ::testing::Test {
 protected:
  explicit TopicTest(Limits limits = {}) : store_(io_.get_executor(), clock_, limits) {}

  // Runs one store operation to completion (other work stays pending).
  template <class T>
  T run(asio::awaitable<T> op) {
    return streampulse::testing::run_awaitable(io_, std::move(op));
  }
  // Runs everything started so far to completion.
  void run_all() {
    io_.restart();
    io_.run();
  }
  // Starts a poll without running it; the result lands in `out`.
  void spawn_poll(std::string topic, SubscribePosition from, std::chrono::milliseconds wait,
                  std::optional<PollResult>& out) {
    asio::co_spawn(io_, store_.topic_poll(topic, from, wait),
                   [&out](std::exception_ptr e, PollResult r) {
                     if (e) std::rethrow_exception(e);
                     out.emplace(std::move(r));
                   });
  }
  // Runs `fn` after a short real delay, from its own coroutine.
  template <class Fn>
  void after(std::chrono::milliseconds delay, Fn fn) {
    asio::co_spawn(
        io_,
        [this, delay, fn]() -> asio::awaitable<void> {
          asio::steady_timer t(io_, delay);
          co_await t.async_wait(asio::use_awaitable);
          co_await fn();
        },
        asio::detached);
  }
  void publish(std::string_view topic, std::string data, std::string publisher = {}) {
    ASSERT_TRUE(run(store_.topic_publish(topic, {false, std::move(data)}, std::move(publisher))));
  }
  Events poll(std::string_view topic, SubscribePosition from,
              std::chrono::milliseconds wait = 0ms) {
    return run(store_.topic_poll(topic, from, wait)).value();
  }
  // The topic's page, as a new subscriber learns it.
  std::uint64_t page_of(std::string_view topic) {
    auto events = poll(topic, {0, 0});
    return std::get<TopicItem>(events.at(0)).sequence_page;
  }

  asio::io_context io_;
  ManualClock clock_;
  EmbeddedStore store_;
};

class TopicSmallHistoryTest : public TopicTest {
 protected:
  TopicSmallHistoryTest() : TopicTest(Limits{.topic_history = 3}) {}
};
class TopicLimitsTest : public TopicTest {
 protected:
  TopicLimitsTest() : TopicTest(Limits{.max_topics = 2, .max_waiting_polls = 2}) {}
};

TEST_F(TopicTest, SequenceNumbersStartAtOneOnARandomPage) {
  publish("t", "a", "viewer-1");
  publish("t", "b");
  publish("t", "c");
  const std::uint64_t page = page_of("t");
  EXPECT_NE(page, 0u);
  EXPECT_LT(page, std::uint64_t{1} << 53);
  const Events events = poll("t", {1, page});
  ASSERT_EQ(events.size(), 3u);
  for (std::uint64_t i = 0; i < 3; ++i) {
    const auto& item = std::get<TopicItem>(events[i]);
    EXPECT_EQ(item.topic_sequence_number, i + 1);
    EXPECT_EQ(item.sequence_page, page);
    EXPECT_FALSE(item.value.binary);
  }
  EXPECT_EQ(text(events[0]), "a");
  EXPECT_EQ(std::get<TopicItem>(events[0]).publisher_id, "viewer-1");
  EXPECT_EQ(text(events[2]), "c");
  publish("u", "x");
  EXPECT_NE(page_of("u"), page);  // each topic has its own page
}

TEST_F(TopicTest, ResumesFromTheNextPosition) {
  publish("t", "a");
  publish("t", "b");
  const std::uint64_t page = page_of("t");
  Events events = poll("t", {2, page});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(text(events[0]), "b");
  const SubscribePosition next = next_position({2, page}, events);
  EXPECT_EQ(next.sequence_number, 3u);
  EXPECT_EQ(next.sequence_page, page);
  EXPECT_TRUE(poll("t", next).empty());  // nothing new, no wait
  publish("t", "c");
  events = poll("t", next);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(seq(events[0]), 3u);
  // Page 0 with a sequence number means "the current page".
  EXPECT_EQ(poll("t", {3, 0}).size(), 1u);
}

TEST_F(TopicTest, NewSubscriberGetsLatestAtOnce) {
  publish("t", "1");
  publish("t", "2");
  const Events events = poll("t", {0, 0}, 5s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(seq(events[0]), 2u);
  EXPECT_EQ(text(events[0]), "2");
}

TEST_F(TopicTest, DiscontinuityOnPageMismatch) {
  publish("t", "a");
  publish("t", "b");
  const std::uint64_t page = page_of("t");
  const std::uint64_t other = page == 1 ? 2 : page - 1;
  const Events events = poll("t", {7, other});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(gap(events[0]).last_topic_sequence, 6u);
  EXPECT_EQ(gap(events[0]).new_topic_sequence, 1u);
  EXPECT_EQ(gap(events[0]).new_sequence_page, page);
  EXPECT_EQ(seq(events[1]), 1u);
  EXPECT_EQ(seq(events[2]), 2u);
  const SubscribePosition next = next_position({7, other}, events);
  EXPECT_EQ(next.sequence_number, 3u);
  EXPECT_EQ(next.sequence_page, page);
}

TEST_F(TopicTest, DiscontinuityOnEmptyTopicPointsAtNextSequence) {
  const Events events = poll("fresh", {5, 12345});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(gap(events[0]).last_topic_sequence, 4u);
  EXPECT_EQ(gap(events[0]).new_topic_sequence, 1u);
  EXPECT_NE(gap(events[0]).new_sequence_page, 12345u);
}

TEST_F(TopicSmallHistoryTest, DiscontinuityOnTrimmedHistory) {
  for (int i = 1; i <= 5; ++i) publish("t", std::to_string(i));
  const std::uint64_t page = page_of("t");
  Events events = poll("t", {1, page});
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(gap(events[0]).last_topic_sequence, 0u);
  EXPECT_EQ(gap(events[0]).new_topic_sequence, 3u);
  EXPECT_EQ(gap(events[0]).new_sequence_page, page);
  EXPECT_EQ(text(events[1]), "3");
  EXPECT_EQ(text(events[3]), "5");
  events = poll("t", {2, page});
  EXPECT_EQ(gap(events.at(0)).last_topic_sequence, 1u);
  events = poll("t", {4, page});  // still retained: no gap
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(seq(events[0]), 4u);
  events = poll("t", {9, page});  // ahead of the topic: a stale position, resync
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(gap(events[0]).last_topic_sequence, 8u);
  EXPECT_EQ(gap(events[0]).new_topic_sequence, 3u);
}

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

TEST_F(TopicLimitsTest, TooManyTopicsIsResourceExhausted) {
  publish("a", "1");
  publish("b", "1");
  EXPECT_EQ(run(store_.topic_publish("c", {false, "1"}, {})).error(),
            make_error_code(errc::resource_exhausted));
  EXPECT_EQ(run(store_.topic_poll("c", {0, 0}, 0ms)).error(),
            make_error_code(errc::resource_exhausted));
  publish("a", "2");  // existing topics still work
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

TEST_F(TopicTest, PingSucceeds) { EXPECT_TRUE(run(store_.ping())); }

TEST_F(TopicTest, OversizePayloadIsRejected) {
  EXPECT_TRUE(run(store_.topic_publish("t", {false, std::string(4096, 'x')}, {})));
  EXPECT_EQ(run(store_.topic_publish("t", {false, std::string(4097, 'x')}, {})).error(),
            make_error_code(errc::payload_too_large));
  EXPECT_EQ(poll("t", {0, 0}).size(), 1u);
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

TEST(TopicNextPositionTest, FollowsMomentosResumeRule) {
  const SubscribePosition from{5, 9};
  EXPECT_EQ(next_position(from, {}).sequence_number, 5u);
  EXPECT_EQ(next_position(from, {}).sequence_page, 9u);
  const Events events{Discontinuity{4, 10, 11}, TopicItem{10, 11, {}, {}, {}},
                      TopicItem{11, 11, {}, {}, {}}};
  EXPECT_EQ(next_position(from, events).sequence_number, 12u);
  EXPECT_EQ(next_position(from, events).sequence_page, 11u);
  const Events only_gap{Discontinuity{4, 10, 11}};
  EXPECT_EQ(next_position(from, only_gap).sequence_number, 10u);
  EXPECT_EQ(next_position(from, only_gap).sequence_page, 11u);
}

}  // namespace
