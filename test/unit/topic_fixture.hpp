#pragma once
// The fixtures of the topic tests (topic_test.cpp, topic_poll_test.cpp): an embedded store on a
// manual clock, run one operation or everything at a time. A named namespace: both files use the
// same fixture types (GoogleTest refuses a suite whose fixture types differ).
#include "run_awaitable.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/embedded/embedded_store.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace topic_test {

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

inline std::uint64_t seq(const SubscriptionEvent& e) {
  return std::get<TopicItem>(e).topic_sequence_number;
}
inline std::string text(const SubscriptionEvent& e) { return std::get<TopicItem>(e).value.data; }
inline const Discontinuity& gap(const SubscriptionEvent& e) { return std::get<Discontinuity>(e); }

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

}  // namespace topic_test
