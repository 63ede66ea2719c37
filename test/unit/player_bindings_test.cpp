// One viewer token, one player: the binding table's rules, lifetime and bound.
#include "streampulse/core/player_bindings.hpp"

#include <gtest/gtest.h>

using namespace streampulse::core;

namespace {
constexpr EpochMs kNow = 1'700'000'000'000;
}

TEST(PlayerBindings, TheFirstPlayerATokenReportsIsTheOnlyOne) {
  PlayerBindings b;
  EXPECT_EQ(b.bind("tok-1", "alice", kNow), BindVerdict::ok);
  EXPECT_EQ(b.bind("tok-1", "alice", kNow + 1), BindVerdict::ok);
  EXPECT_EQ(b.bind("tok-1", "bob", kNow + 2), BindVerdict::mismatch);
  EXPECT_EQ(b.check("tok-1", "bob", kNow + 2), BindVerdict::mismatch);
  // Another token may bind another player, or the same one (a renewed token of the same page).
  EXPECT_EQ(b.bind("tok-2", "bob", kNow), BindVerdict::ok);
  EXPECT_EQ(b.bind("tok-3", "alice", kNow), BindVerdict::ok);
  EXPECT_EQ(b.size(), 3u);
}

TEST(PlayerBindings, ThreeHundredPlayersFromOneTokenBindOnlyTheFirst) {
  PlayerBindings b;
  int accepted = 0;
  for (int i = 0; i < 300; ++i)
    accepted += b.bind("tok", "p" + std::to_string(i), kNow) == BindVerdict::ok;
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(b.size(), 1u);
}

TEST(PlayerBindings, AnEmptyTokenIdIsTheOperatorAndNeverBound) {
  PlayerBindings b;
  EXPECT_EQ(b.bind("", "alice", kNow), BindVerdict::ok);
  EXPECT_EQ(b.bind("", "bob", kNow), BindVerdict::ok);
  EXPECT_EQ(b.size(), 0u);
}

TEST(PlayerBindings, CheckChangesNothing) {
  PlayerBindings b;
  EXPECT_EQ(b.check("tok", "alice", kNow), BindVerdict::ok);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.bind("tok", "bob", kNow), BindVerdict::ok);  // still free: check bound nothing
}

TEST(PlayerBindings, AnEntryLivesUntilItsTokenExpires) {
  PlayerBindings b({.capacity = 10, .lifetime_ms = 1000});
  ASSERT_EQ(b.bind("exact", "alice", kNow, kNow + 5000), BindVerdict::ok);
  ASSERT_EQ(b.bind("default", "alice", kNow), BindVerdict::ok);  // now + lifetime
  EXPECT_EQ(b.bind("default", "bob", kNow + 999), BindVerdict::mismatch);
  EXPECT_EQ(b.bind("exact", "bob", kNow + 4999), BindVerdict::mismatch);
  // Once the token has expired it cannot publish; its entry goes, and the table shrinks.
  EXPECT_EQ(b.check("default", "bob", kNow + 1000), BindVerdict::ok);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(b.check("exact", "bob", kNow + 5000), BindVerdict::ok);
  EXPECT_EQ(b.size(), 0u);
}

TEST(PlayerBindings, AnExpiryInThePastTakesTheLifetimeInstead) {
  PlayerBindings b({.capacity = 10, .lifetime_ms = 1000});
  ASSERT_EQ(b.bind("tok", "alice", kNow, kNow - 1), BindVerdict::ok);
  EXPECT_EQ(b.bind("tok", "bob", kNow + 500), BindVerdict::mismatch);
}

TEST(PlayerBindings, PastTheCapacityNewTokensAreRefusedAndBoundOnesStillWork) {
  PlayerBindings b({.capacity = 3, .lifetime_ms = 1000});
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(b.bind("tok" + std::to_string(i), "p" + std::to_string(i), kNow), BindVerdict::ok);
  EXPECT_EQ(b.bind("tok9", "p9", kNow + 1), BindVerdict::full);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.bind("tok1", "p1", kNow + 1), BindVerdict::ok);
  EXPECT_EQ(b.bind("tok1", "p9", kNow + 1), BindVerdict::mismatch);  // never forgotten early
  // Expired entries make room.
  EXPECT_EQ(b.bind("tok9", "p9", kNow + 1000), BindVerdict::ok);
  EXPECT_EQ(b.size(), 1u);
}

TEST(PlayerBindings, UnbindForgetsTheTokenSoItMayBindAgain) {
  PlayerBindings b;
  ASSERT_EQ(b.bind("t", "p1", 1000), BindVerdict::ok);
  EXPECT_TRUE(b.contains("t"));
  b.unbind("t");
  EXPECT_FALSE(b.contains("t"));
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.bind("t", "p2", 1000), BindVerdict::ok);
  EXPECT_EQ(b.bind("t", "p1", 1000), BindVerdict::mismatch);
  b.unbind("unknown");  // nothing
  EXPECT_EQ(b.size(), 1u);
}
