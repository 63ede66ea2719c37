// Sorted sets, dictionaries and collection TTLs of the embedded backend.
#include "streampulse/embedded/embedded_store.hpp"
#include "run_awaitable.hpp"
#include "streampulse/core/error.hpp"

#include "../../src/embedded/keyspace.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using streampulse::errc;
using streampulse::core::ManualClock;
using streampulse::embedded::EmbeddedStore;
using streampulse::store::CollectionTtl;
using streampulse::store::FieldValue;
using streampulse::store::ScoredMember;
using streampulse::store::ScoreRange;

constexpr double kInf = std::numeric_limits<double>::infinity();

class EmbeddedStoreTest : public ::testing::Test {
 protected:
  // Runs one store operation to completion (other work stays pending).
  template <class T>
  T run(asio::awaitable<T> op) {
    return streampulse::testing::run_awaitable(io_, std::move(op));
  }

  void put(std::string_view set, std::vector<ScoredMember> elements,
           CollectionTtl ttl = {10s, true}) {
    ASSERT_TRUE(run(store_.sorted_set_put(set, std::move(elements), ttl)));
  }
  std::vector<ScoredMember> fetch(std::string_view set, ScoreRange range = {},
                                  std::optional<std::uint32_t> limit = {}) {
    return run(store_.sorted_set_fetch_by_score(set, range, limit)).value();
  }
  std::uint64_t length(std::string_view set, ScoreRange range = {}) {
    return run(store_.sorted_set_length_by_score(set, range)).value();
  }
  std::uint64_t dict_length(std::string_view dict) {
    return run(store_.dictionary_length(dict)).value();
  }
  std::vector<FieldValue> dict_fetch_sorted(std::string_view dict) {
    auto items = run(store_.dictionary_fetch(dict)).value();
    std::sort(items.begin(), items.end(),
              [](const FieldValue& a, const FieldValue& b) { return a.field < b.field; });
    return items;
  }

  asio::io_context io_;
  ManualClock clock_{1'000'000};
  EmbeddedStore store_{io_.get_executor(), clock_};
};

using EmbeddedSortedSetTest = EmbeddedStoreTest;
using EmbeddedDictionaryTest = EmbeddedStoreTest;
using EmbeddedTtlTest = EmbeddedStoreTest;

std::vector<ScoredMember> M(std::initializer_list<ScoredMember> l) { return l; }

TEST_F(EmbeddedSortedSetTest, OrdersByScoreThenMember) {
  put("s", {{"p1", 3}, {"p2", 1}, {"p3", 2}, {"p0", 2}});
  EXPECT_EQ(fetch("s"), M({{"p2", 1}, {"p0", 2}, {"p3", 2}, {"p1", 3}}));
  EXPECT_EQ(length("s"), 4u);
}

TEST_F(EmbeddedSortedSetTest, RePutOverwritesScore) {
  put("s", {{"p1", 3}, {"p2", 1}, {"p3", 2}});
  put("s", {{"p2", 5}, {"p3", 2}});
  EXPECT_EQ(fetch("s"), M({{"p3", 2}, {"p1", 3}, {"p2", 5}}));
  EXPECT_EQ(length("s"), 3u);
  EXPECT_EQ(length("s", {1, 1}), 0u);  // p2's old score is gone from the index
  EXPECT_EQ(length("s", {5, 5}), 1u);
}

TEST_F(EmbeddedSortedSetTest, RangesAreInclusiveAndLimited) {
  put("s", {{"a", 1}, {"b", 2}, {"c", 2}, {"d", 3}, {"e", 4}});
  EXPECT_EQ(fetch("s", {2, 3}), M({{"b", 2}, {"c", 2}, {"d", 3}}));
  EXPECT_EQ(fetch("s", {2, 3}, 2), M({{"b", 2}, {"c", 2}}));
  EXPECT_EQ(fetch("s", {std::nullopt, 2}), M({{"a", 1}, {"b", 2}, {"c", 2}}));
  EXPECT_EQ(fetch("s", {3.5, std::nullopt}), M({{"e", 4}}));
  EXPECT_EQ(fetch("s", {}, 0), M({}));
  EXPECT_EQ(fetch("s", {5, 9}), M({}));
  EXPECT_EQ(fetch("s", {3, 2}), M({}));  // min > max

  EXPECT_EQ(length("s", {2, 3}), 3u);
  EXPECT_EQ(length("s", {2, std::nullopt}), 4u);
  EXPECT_EQ(length("s", {std::nullopt, 2}), 3u);
  EXPECT_EQ(length("s", {2, 2}), 2u);
  EXPECT_EQ(length("s", {1.5, 2.5}), 2u);
  EXPECT_EQ(length("s", {-kInf, kInf}), 5u);
  EXPECT_EQ(length("s", {3, 2}), 0u);
  EXPECT_EQ(length("missing", {}), 0u);
}

TEST_F(EmbeddedSortedSetTest, InfiniteScoresCountAtTheEnds) {
  put("s", {{"lo", -kInf}, {"mid", 0}, {"hi", kInf}});
  EXPECT_EQ(length("s", {kInf, kInf}), 1u);
  EXPECT_EQ(length("s", {-kInf, -kInf}), 1u);
  EXPECT_EQ(length("s", {std::nullopt, kInf}), 3u);
  EXPECT_EQ(fetch("s", {kInf, std::nullopt}), M({{"hi", kInf}}));
}

TEST_F(EmbeddedSortedSetTest, RemovingTheLastMemberRemovesTheSet) {
  put("s", {{"a", 1}, {"b", 2}, {"c", 3}});
  ASSERT_TRUE(run(store_.sorted_set_remove("s", {"b", "nope"})));
  EXPECT_EQ(fetch("s"), M({{"a", 1}, {"c", 3}}));
  ASSERT_TRUE(run(store_.sorted_set_remove("s", {"a", "c"})));
  EXPECT_EQ(length("s"), 0u);
  // The set is gone, TTL included: a no-refresh write creates a fresh one with its own TTL.
  clock_.advance(9'000);
  put("s", {{"x", 1}}, {10s, false});
  clock_.advance(9'000);
  EXPECT_EQ(length("s"), 1u);
  ASSERT_TRUE(run(store_.sorted_set_remove("missing", {"a"})));
}

TEST_F(EmbeddedSortedSetTest, RejectsNanAndBadTtl) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto r = run(store_.sorted_set_put("s", {{"a", 1}, {"b", nan}}, {10s, true}));
  EXPECT_EQ(r.error(), streampulse::make_error_code(errc::invalid_argument));
  EXPECT_EQ(length("s"), 0u);  // nothing of a rejected put is applied
  EXPECT_EQ(run(store_.sorted_set_put("s", {{"a", 1}}, {0ms, true})).error(),
            streampulse::make_error_code(errc::invalid_argument));
  EXPECT_EQ(run(store_.sorted_set_length_by_score("s", {nan, 1})).error(),
            streampulse::make_error_code(errc::invalid_argument));
}

// Random operations against a plain std::map model.
TEST_F(EmbeddedSortedSetTest, MatchesAModelUnderRandomOperations) {
  std::mt19937 rng(42);
  std::map<std::string, double> model;
  for (int step = 0; step < 3000; ++step) {
    const std::string member = "m" + std::to_string(rng() % 200);
    const double score = static_cast<double>(rng() % 50);
    if (rng() % 4 == 0) {
      ASSERT_TRUE(run(store_.sorted_set_remove("s", {member})));
      model.erase(member);
    } else {
      put("s", {{member, score}});
      model[member] = score;
    }
    const double lo = static_cast<double>(rng() % 50);
    const double hi = lo + static_cast<double>(rng() % 20);
    const auto in_range = std::count_if(model.begin(), model.end(), [&](const auto& kv) {
      return kv.second >= lo && kv.second <= hi;
    });
    ASSERT_EQ(length("s", {lo, hi}), static_cast<std::uint64_t>(in_range)) << "step " << step;
  }
  std::vector<ScoredMember> expected;
  for (const auto& [m, s] : model) expected.push_back({m, s});
  std::sort(expected.begin(), expected.end(), [](const ScoredMember& a, const ScoredMember& b) {
    return a.score != b.score ? a.score < b.score : a.value < b.value;
  });
  EXPECT_EQ(fetch("s"), expected);
}

// Measured here (glibc, x86-64): 128 bytes per member for 13-character members, 1M members too.
TEST_F(EmbeddedSortedSetTest, MemoryPerMemberIsSmall) {
  constexpr int kMembers = 200'000;
  const auto before = mallinfo2().uordblks;
  for (int batch = 0; batch < kMembers; batch += 1000) {
    std::vector<ScoredMember> elements;
    for (int i = batch; i < batch + 1000; ++i) {
      elements.push_back({"player-" + std::to_string(100'000 + i), 1.7e12 + i});
    }
    put("active", std::move(elements));
  }
  const auto after = mallinfo2().uordblks;
  if (after <= before) GTEST_SKIP() << "mallinfo2 does not see this allocator (sanitizer?)";
  const double per_member = static_cast<double>(after - before) / kMembers;
  std::cout << "sorted set: " << per_member << " bytes per member\n";
  EXPECT_LT(per_member, 150.0);
  EXPECT_EQ(length("active", {1.7e12 + 1000, std::nullopt}),
            static_cast<std::uint64_t>(kMembers - 1000));
}

TEST_F(EmbeddedDictionaryTest, SetFetchGetLengthRemove) {
  ASSERT_TRUE(run(store_.dictionary_set("d", {{"a", "1"}, {"b", "2"}}, {1h, true})));
  ASSERT_TRUE(run(store_.dictionary_set("d", {{"b", "3"}, {"c", "4"}}, {1h, true})));
  EXPECT_EQ(dict_fetch_sorted("d"), (std::vector<FieldValue>{{"a", "1"}, {"b", "3"}, {"c", "4"}}));
  EXPECT_EQ(run(store_.dictionary_get("d", {"a", "x", "c"})).value(),
            (std::vector<std::optional<std::string>>{"1", std::nullopt, "4"}));
  EXPECT_EQ(dict_length("d"), 3u);
  ASSERT_TRUE(run(store_.dictionary_remove("d", {"a", "x"})));
  EXPECT_EQ(dict_fetch_sorted("d"), (std::vector<FieldValue>{{"b", "3"}, {"c", "4"}}));
  ASSERT_TRUE(run(store_.dictionary_remove("d", {"b", "c"})));
  EXPECT_EQ(dict_length("d"), 0u);
}

TEST_F(EmbeddedDictionaryTest, MissingDictionaryReadsAsEmpty) {
  EXPECT_TRUE(dict_fetch_sorted("nope").empty());
  EXPECT_EQ(dict_length("nope"), 0u);
  EXPECT_EQ(run(store_.dictionary_get("nope", {"a", "b"})).value(),
            (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt}));
  EXPECT_TRUE(run(store_.dictionary_remove("nope", {"a"})));
}

TEST_F(EmbeddedDictionaryTest, SortedSetsAndDictionariesAreSeparateNamespaces) {
  put("same", {{"m", 1}});
  ASSERT_TRUE(run(store_.dictionary_set("same", {{"f", "v"}}, {1h, true})));
  EXPECT_EQ(length("same"), 1u);
  EXPECT_EQ(dict_length("same"), 1u);
}

TEST_F(EmbeddedTtlTest, CollectionExpiresAtTtl) {
  put("s", {{"a", 1}});
  clock_.advance(9'999);
  EXPECT_EQ(length("s"), 1u);
  clock_.advance(1);
  EXPECT_EQ(length("s"), 0u);
  EXPECT_TRUE(fetch("s").empty());
}

TEST_F(EmbeddedTtlTest, RefreshResetsExpiryForTheWholeSet) {
  put("s", {{"a", 1}});
  clock_.advance(9'000);
  put("s", {{"b", 2}}, {10s, true});  // expiry now t0 + 19 s, for "a" too
  clock_.advance(9'999);
  EXPECT_EQ(length("s"), 2u);
  clock_.advance(1);
  EXPECT_EQ(length("s"), 0u);
}

TEST_F(EmbeddedTtlTest, NoRefreshKeepsExistingExpiry) {
  put("s", {{"a", 1}});
  clock_.advance(9'000);
  put("s", {{"b", 2}}, {60s, false});
  EXPECT_EQ(length("s"), 2u);
  clock_.advance(1'000);
  EXPECT_EQ(length("s"), 0u);
}

TEST_F(EmbeddedTtlTest, NoRefreshOnNewCollectionStillSetsTtl) {
  ASSERT_TRUE(run(store_.dictionary_set("d", {{"f", "v"}}, {5s, false})));
  clock_.advance(4'999);
  EXPECT_EQ(dict_length("d"), 1u);
  clock_.advance(1);
  EXPECT_EQ(dict_length("d"), 0u);
}

TEST_F(EmbeddedTtlTest, ExpiredCollectionIsReplacedOnWrite) {
  ASSERT_TRUE(run(store_.dictionary_set("d", {{"old", "1"}}, {5s, true})));
  clock_.advance(6'000);
  ASSERT_TRUE(run(store_.dictionary_set("d", {{"new", "2"}}, {5s, false})));
  EXPECT_EQ(dict_fetch_sorted("d"), (std::vector<FieldValue>{{"new", "2"}}));
}

TEST(EmbeddedKeyspaceTest, SweepFreesUntouchedExpiredCollections) {
  streampulse::embedded::detail::Keyspace<int> ks;
  ks.for_write("a", 0, {10ms, true});
  ks.for_write("b", 0, {20ms, true});
  ks.for_write("a", 5, {10ms, true});    // refreshed: a now expires at 15
  ks.for_write("b", 5, {100ms, false});  // kept: b still expires at 20
  ks.sweep(10);
  EXPECT_EQ(ks.size(), 2u);
  ks.sweep(15);
  EXPECT_EQ(ks.size(), 1u);
  EXPECT_EQ(ks.find("a", 15), nullptr);
  EXPECT_NE(ks.find("b", 15), nullptr);
  ks.for_write("b", 16, {1ms, true});  // shorter TTL: b now expires at 17
  ks.sweep(17);
  EXPECT_EQ(ks.size(), 0u);
  ks.for_write("forever", 17, {std::chrono::milliseconds::max(), true});
  ks.sweep(std::numeric_limits<streampulse::core::EpochMs>::max() - 1);
  EXPECT_EQ(ks.size(), 1u);
}

}  // namespace
