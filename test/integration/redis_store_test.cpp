// The store port on a real redis-server: the embedded store's semantics (ordering, inclusive
// ranges, limits, namespaces, Momento's collection TTLs) and topics with Momento's sequence
// numbers shared by several instances (two RedisStores on one Redis).
#include "streampulse/redis/redis_store.hpp"
#include "../unit/run_awaitable.hpp"
#include "redis_server.hpp"
#include "streampulse/core/clock.hpp"
#include "streampulse/core/error.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cmath>
#include <set>
#include <thread>

namespace streampulse::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using store::CollectionTtl;
using store::ScoredMember;
using store::ScoreRange;

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!RedisServer::available(&why)) GTEST_SKIP() << why;
    redis_ = std::make_unique<RedisServer>();
    ASSERT_TRUE(redis_->ready());
  }

  std::unique_ptr<redis::RedisStore> make_store(std::string cache = "video") {
    redis::Options o;
    o.url = *redis::Url::parse(redis_->unix_url());
    redis::StoreSettings s;
    s.cache = std::move(cache);
    s.budget = 2000ms;
    s.topic_history = 8;
    s.mirror_block = 200ms;
    auto st = std::make_unique<redis::RedisStore>(io_.get_executor(), clock_, o, s);
    st->start();
    return st;
  }

  template <class T>
  T run(asio::awaitable<T> op) {
    return run_awaitable(io_, std::move(op));
  }

  // Lets the stores' background work (the mirror) run for a while.
  void pump(std::chrono::milliseconds d) {
    run([d]() -> asio::awaitable<int> {
      asio::steady_timer t(co_await asio::this_coro::executor, d);
      co_await t.async_wait(asio::use_awaitable);
      co_return 0;
    }());
  }

  asio::io_context io_;
  core::SystemClock clock_;
  std::unique_ptr<RedisServer> redis_;
};

TEST_F(RedisStoreTest, SortedSetsOrderByScoreWithInclusiveRangesAndLimits) {
  auto st = make_store();
  const CollectionTtl ttl{60s, true};
  std::vector<ScoredMember> members{{"c", 3}, {"a", 1}, {"b", 2}, {"inf", INFINITY}};
  ASSERT_TRUE(run(st->sorted_set_put("s", members, ttl)));
  auto all = run(st->sorted_set_fetch_by_score("s", ScoreRange{}, std::nullopt));
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0], (ScoredMember{"a", 1}));
  EXPECT_EQ((*all)[3].value, "inf");
  EXPECT_TRUE(std::isinf((*all)[3].score));
  auto middle = run(st->sorted_set_fetch_by_score("s", ScoreRange{2, 3}, std::nullopt));
  ASSERT_TRUE(middle);
  EXPECT_EQ(*middle, (std::vector<ScoredMember>{{"b", 2}, {"c", 3}}));
  auto first = run(st->sorted_set_fetch_by_score("s", ScoreRange{}, 1u));
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, (std::vector<ScoredMember>{{"a", 1}}));
  EXPECT_EQ(*run(st->sorted_set_length_by_score("s", ScoreRange{1.5, std::nullopt})), 3u);
  // Millisecond timestamps survive the round trip exactly.
  std::vector<ScoredMember> now{{"a", 1733371200123.0}};
  ASSERT_TRUE(run(st->sorted_set_put("s", now, ttl)));
  EXPECT_EQ(*run(st->sorted_set_length_by_score("s", ScoreRange{1733371200123.0, 1733371200123.0})),
            1u);
  ASSERT_TRUE(run(st->sorted_set_remove("s", {"a", "b", "c", "inf"})));
  EXPECT_TRUE(run(st->sorted_set_fetch_by_score("s", ScoreRange{}, std::nullopt))->empty());
  EXPECT_EQ(redis_->cli({"EXISTS", "{video}:z:s"}), "0\n");  // the last member took the set
}

TEST_F(RedisStoreTest, SetsDictionariesAndCachesAreSeparateNamespaces) {
  auto video = make_store("video");
  auto other = make_store("other");
  const CollectionTtl ttl{60s, true};
  std::vector<ScoredMember> m{{"p", 1}};
  std::vector<store::FieldValue> f{{"p", "x"}};
  ASSERT_TRUE(run(video->sorted_set_put("same", m, ttl)));
  ASSERT_TRUE(run(video->dictionary_set("same", f, ttl)));
  EXPECT_EQ(*run(video->dictionary_length("same")), 1u);
  EXPECT_EQ(*run(video->sorted_set_length_by_score("same", ScoreRange{})), 1u);
  EXPECT_EQ(*run(other->dictionary_length("same")), 0u);
  EXPECT_EQ(*run(other->sorted_set_length_by_score("same", ScoreRange{})), 0u);
}

TEST_F(RedisStoreTest, DictionariesGetFetchAndRemove) {
  auto st = make_store();
  const CollectionTtl ttl{60s, true};
  std::vector<store::FieldValue> items;
  for (int i = 0; i < 2500; ++i)
    items.push_back({"f" + std::to_string(i), "v" + std::to_string(i)});
  ASSERT_TRUE(run(st->dictionary_set("d", items, ttl)));
  auto all = run(st->dictionary_fetch("d"));  // in HSCAN steps
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2500u);
  std::set<std::string> fields;
  for (const auto& fv : *all) fields.insert(fv.field);
  EXPECT_EQ(fields.size(), 2500u);
  auto got = run(st->dictionary_get("d", {"f7", "missing"}));
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[0], std::optional<std::string>("v7"));
  EXPECT_EQ((*got)[1], std::nullopt);
  ASSERT_TRUE(run(st->dictionary_remove("d", {"f7"})));
  EXPECT_EQ(*run(st->dictionary_length("d")), 2499u);
  EXPECT_TRUE(run(st->dictionary_fetch("nothing"))->empty());
}

TEST_F(RedisStoreTest, CollectionTtlsRefreshOrKeepAsMomentosDo) {
  auto st = make_store();
  std::vector<ScoredMember> m{{"p", 1}};
  ASSERT_TRUE(run(st->sorted_set_put("kept", m, CollectionTtl{400ms, false})));
  ASSERT_TRUE(run(st->sorted_set_put("kept", m, CollectionTtl{60s, false})));  // keeps 400 ms
  ASSERT_TRUE(run(st->sorted_set_put("renewed", m, CollectionTtl{400ms, true})));
  ASSERT_TRUE(run(st->sorted_set_put("renewed", m, CollectionTtl{60s, true})));  // now 60 s
  const auto kept_ttl = std::stoi(redis_->cli({"PTTL", "{video}:z:kept"}));
  EXPECT_GT(kept_ttl, 0);
  EXPECT_LE(kept_ttl, 400);
  EXPECT_GT(std::stoi(redis_->cli({"PTTL", "{video}:z:renewed"})), 50'000);
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(*run(st->sorted_set_length_by_score("kept", ScoreRange{})), 0u);
  EXPECT_EQ(*run(st->sorted_set_length_by_score("renewed", ScoreRange{})), 1u);
}

std::vector<std::uint64_t> numbers(const std::vector<store::SubscriptionEvent>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) {
    if (const auto* item = std::get_if<store::TopicItem>(&e))
      out.push_back(item->topic_sequence_number);
  }
  return out;
}

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

TEST_F(RedisStoreTest, ObjectsAndTheSharedTokenKey) {
  auto a = make_store();
  auto b = make_store();
  EXPECT_EQ(*run(a->object_get("media/x")), std::nullopt);
  std::string bytes(3 * 1024 * 1024, '\x01');
  ASSERT_TRUE(run(a->object_put("media/x", bytes, std::chrono::seconds(60))));
  auto got = run(b->object_get("media/x"));
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(**got, bytes);
  const std::string mine(32, 'a'), theirs(32, 'b');
  const auto key_a = run(a->shared_token_key(mine));
  const auto key_b = run(b->shared_token_key(theirs));
  ASSERT_TRUE(key_a && key_b);
  EXPECT_EQ(*key_a, mine);  // the first one's, for every instance
  EXPECT_EQ(*key_b, mine);
  redis_->cli({"FLUSHALL"});  // Redis lost it: the next instance to ask puts its own back
  EXPECT_EQ(*run(b->shared_token_key(mine)), mine);
  EXPECT_EQ(*run(a->shared_token_key(theirs)), mine);
}

TEST_F(RedisStoreTest, CallsFailWithinTheBudgetWhileRedisIsDownAndWorkAgainAfter) {
  auto st = make_store();
  auto answering = [&] {
    for (int i = 0; i < 50; ++i) {
      if (run(st->ping())) return true;
      pump(100ms);
    }
    return false;
  };
  ASSERT_TRUE(answering());  // both connections up
  redis_->kill9();
  const auto started = std::chrono::steady_clock::now();
  auto down = run(st->sorted_set_length_by_score("s", ScoreRange{}));
  EXPECT_FALSE(down);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3000ms);
  EXPECT_FALSE(run(st->ping()));
  ASSERT_TRUE(redis_->restart());
  EXPECT_TRUE(answering());  // by itself, no call from outside needed
}

}  // namespace
}  // namespace streampulse::testing
