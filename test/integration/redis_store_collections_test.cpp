// The store port on a real redis-server: the embedded store's semantics (ordering, inclusive
// ranges, limits, namespaces, Momento's collection TTLs), objects and the shared token key, and
// calls while Redis is down.
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
