// The embedded topics shared by several loops (embedded/embedded_store.hpp): long-polls wait on
// their own loop's thread and are woken there by a publish made on another thread.
#include "streampulse/core/clock.hpp"
#include "streampulse/embedded/embedded_store.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using streampulse::core::ManualClock;
using streampulse::embedded::EmbeddedStore;
using streampulse::embedded::Limits;
using streampulse::store::SubscribePosition;
using streampulse::store::TopicItem;
using streampulse::store::TopicValue;

// A loop on its own thread, like a connection loop of the service.
struct Loop {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~Loop() {
    work.reset();
    io.stop();
    thread.join();
  }
};

}  // namespace

TEST(TopicThreads, APublishOnOneThreadWakesPollsWaitingOnOthers) {
  ManualClock clock(1'000'000);
  Loop state, a, b;
  EmbeddedStore store(state.io.get_executor(), clock, Limits{});
  constexpr int kPerLoop = 50;
  std::atomic<int> answered = 0, right = 0, waiting_threads_ok = 0;
  const SubscribePosition from{1, 0};  // the first message of the topic
  for (Loop* loop : {&a, &b}) {
    for (int i = 0; i < kPerLoop; ++i) {
      asio::co_spawn(
          loop->io,
          [&, loop]() -> asio::awaitable<void> {
            auto events = co_await store.topic_poll("count", from, 10s);
            // Answered on the poll's own loop, whoever published.
            if (loop->thread.get_id() == std::this_thread::get_id()) ++waiting_threads_ok;
            if (events && events->size() == 1 &&
                std::get<TopicItem>(events->front()).value.data == "42")
              ++right;
            ++answered;
          },
          asio::detached);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (store.waiting_polls() < 2 * kPerLoop && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(store.waiting_polls(), 2u * kPerLoop);
  // From this (a third) thread: the topics take their own lock.
  ASSERT_TRUE(store.publish_now("count", TopicValue{false, "42"}, "streampulse"));
  while (answered < 2 * kPerLoop && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(answered, 2 * kPerLoop);
  EXPECT_EQ(right, 2 * kPerLoop);
  EXPECT_EQ(waiting_threads_ok, 2 * kPerLoop);
  while (store.waiting_polls() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(store.waiting_polls(), 0u);
}

TEST(TopicThreads, ShutdownAnswersPollsOnEveryLoop) {
  ManualClock clock(1'000'000);
  Loop state, a;
  auto store = std::make_unique<EmbeddedStore>(state.io.get_executor(), clock, Limits{});
  std::atomic<int> empty = 0;
  for (int i = 0; i < 20; ++i) {
    asio::co_spawn(
        a.io,
        [&]() -> asio::awaitable<void> {
          auto events = co_await store->topic_poll("quiet", SubscribePosition{}, 10s);
          if (events && events->empty()) ++empty;
        },
        asio::detached);
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (store->waiting_polls() < 20 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  store->shutdown();
  while (empty < 20 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(empty, 20);
}
