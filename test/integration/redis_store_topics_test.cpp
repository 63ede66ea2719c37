// The store port on a real redis-server: topics with Momento's sequence numbers shared by several
// instances (two RedisStores on one Redis), waiting polls, trimmed history and lost streams.
#include "redis_server.hpp"
#include "redis_store_fixture.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/redis/redis_store.hpp"

#include <gtest/gtest.h>
#include <boost/asio/use_awaitable.hpp>

#include <cmath>
#include <set>
#include <thread>

namespace streampulse::testing {
namespace {

using namespace redis_store_tests;

TEST_F(RedisStoreTest, TopicNumbersComeFromRedisSoASubscriberResumesOnAnotherInstance) {
  auto a = make_store();
  auto b = make_store();
  // Interleaved publishers on two instances: one sequence, 1, 2, 3... with no holes.
  for (int i = 0; i < 6; ++i) {
    auto& st = i % 2 ? *a : *b;
    store::TopicValue v{false, "m" + std::to_string(i)};
    ASSERT_TRUE(run(st.topic_publish("count", v, "pub")));
  }
  // A new subscriber on A gets the latest, then resumes on B from A's position.
  auto first = run(a->topic_poll("count", {}, 1000ms));
  ASSERT_TRUE(first);
  ASSERT_EQ(numbers(*first), std::vector<std::uint64_t>{6});
  const auto& item = std::get<store::TopicItem>(first->front());
  EXPECT_EQ(item.value.data, "m5");
  EXPECT_EQ(item.publisher_id, "pub");
  auto at = store::next_position({}, *first);
  EXPECT_EQ(at.sequence_number, 7u);
  store::TopicValue seventh{false, "m6"};
  ASSERT_TRUE(run(a->topic_publish("count", seventh, "pub")));
  auto on_b = run(b->topic_poll("count", at, 2000ms));
  ASSERT_TRUE(on_b);
  ASSERT_EQ(numbers(*on_b), std::vector<std::uint64_t>{7}) << "no gap, no repeat";
  EXPECT_EQ(std::get<store::TopicItem>(on_b->front()).value.data, "m6");
  EXPECT_EQ(std::get<store::TopicItem>(on_b->front()).sequence_page, item.sequence_page);
  // And back on A, which learns of an entry published through B by its mirror.
  at = store::next_position(at, *on_b);
  store::TopicValue eighth{false, "m7"};
  ASSERT_TRUE(run(b->topic_publish("count", eighth, "pub")));
  auto back = run(a->topic_poll("count", at, 2000ms));
  ASSERT_TRUE(back);
  EXPECT_EQ(numbers(*back), std::vector<std::uint64_t>{8});
}

TEST_F(RedisStoreTest, AWaitingPollWakesWhenAnotherInstancePublishes) {
  auto a = make_store();
  auto b = make_store();
  store::TopicValue v{false, "one"};
  ASSERT_TRUE(run(a->topic_publish("t", v, "")));
  auto first = run(a->topic_poll("t", {}, 1000ms));
  ASSERT_EQ(numbers(*first), std::vector<std::uint64_t>{1});
  const auto at = store::next_position({}, *first);
  // B publishes while A's poll waits: A's mirror brings it.
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(io_, 300ms);
        co_await t.async_wait(asio::use_awaitable);
        store::TopicValue two{false, "two"};
        (void)co_await b->topic_publish("t", two, "");
      },
      asio::detached);
  const auto started = std::chrono::steady_clock::now();
  auto waited = run(a->topic_poll("t", at, 5000ms));
  ASSERT_TRUE(waited);
  EXPECT_EQ(numbers(*waited), std::vector<std::uint64_t>{2});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2000ms);
}

TEST_F(RedisStoreTest, ASubscriberPastTrimmedHistoryGetsADiscontinuityThenTheHistory) {
  auto st = make_store();  // 8 kept per topic
  for (int i = 0; i < 40; ++i) {
    store::TopicValue v{false, std::to_string(i)};
    ASSERT_TRUE(run(st->topic_publish("t", v, "")));
  }
  auto latest = run(st->topic_poll("t", {}, 1000ms));
  ASSERT_TRUE(latest);
  const auto page = std::get<store::TopicItem>(latest->front()).sequence_page;
  auto behind = run(st->topic_poll("t", {2, page}, 1000ms));
  ASSERT_TRUE(behind);
  ASSERT_FALSE(behind->empty());
  const auto* gap = std::get_if<store::Discontinuity>(&behind->front());
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->last_topic_sequence, 1u);
  EXPECT_GT(gap->new_topic_sequence, 2u);
  EXPECT_EQ(numbers(*behind).back(), 40u);
}

TEST_F(RedisStoreTest, AStreamLostInRedisComesBackOnANewPage) {
  auto st = make_store();
  store::TopicValue v{false, "before"};
  ASSERT_TRUE(run(st->topic_publish("t", v, "")));
  auto first = run(st->topic_poll("t", {}, 1000ms));
  const auto before = std::get<store::TopicItem>(first->front());
  redis_->cli({"FLUSHALL"});
  redis_->cli({"SCRIPT", "FLUSH"});  // the publish script must come back too (NOSCRIPT)
  store::TopicValue after{false, "after"};
  ASSERT_TRUE(run(st->topic_publish("t", after, "")));
  auto next = run(st->topic_poll("t", store::next_position({}, *first), 3000ms));
  ASSERT_TRUE(next);
  ASSERT_FALSE(next->empty());
  // The subscriber's numbers meant the old stream: it is told, then gets the new one.
  const auto* gap = std::get_if<store::Discontinuity>(&next->front());
  ASSERT_NE(gap, nullptr);
  EXPECT_GT(gap->new_sequence_page, before.sequence_page);
  const auto& item = std::get<store::TopicItem>(next->back());
  EXPECT_EQ(item.value.data, "after");
  EXPECT_EQ(item.topic_sequence_number, 1u);
}

}  // namespace
}  // namespace streampulse::testing
