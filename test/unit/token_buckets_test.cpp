// Viewer tokens per client address: the bucket's rate and burst, Retry-After, and the bound on
// the addresses tracked.
#include "streampulse/core/token_buckets.hpp"

#include <gtest/gtest.h>

using namespace streampulse::core;

namespace {
constexpr EpochMs kNow = 1'700'000'000'000;
}

TEST(TokenBuckets, AMinutesWorthAtOnceThenOneEveryRefillStep) {
  TokenBuckets t({.per_minute = 60, .max_clients = 10});  // one a second
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(t.take("1.2.3.4", kNow).allowed()) << i;
  auto d = t.take("1.2.3.4", kNow);
  EXPECT_EQ(d.kind, RateDecision::Kind::over_rate);
  EXPECT_EQ(d.retry_after_ms, 1000);
  d = t.take("1.2.3.4", kNow + 400);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.retry_after_ms, 600);
  EXPECT_TRUE(t.take("1.2.3.4", kNow + 1000).allowed());
  EXPECT_FALSE(t.take("1.2.3.4", kNow + 1000).allowed());
  // Other addresses have their own buckets.
  EXPECT_TRUE(t.take("5.6.7.8", kNow + 1000).allowed());
}

TEST(TokenBuckets, ZeroMeansNoLimitAndNoState) {
  TokenBuckets t({.per_minute = 0, .max_clients = 1});
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(t.take("ip" + std::to_string(i), kNow).allowed());
  EXPECT_EQ(t.size(), 0u);
}

TEST(TokenBuckets, ManyAddressesCannotGrowTheTableIdleOnesMakeRoom) {
  TokenBuckets t({.per_minute = 10, .max_clients = 100});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(t.take("a" + std::to_string(i), kNow + i).allowed());
  // Full, every bucket used within the minute: a newcomer waits for the oldest to go idle.
  auto d = t.take("newcomer", kNow + 100);
  EXPECT_EQ(d.kind, RateDecision::Kind::table_full);
  EXPECT_EQ(d.retry_after_ms, 60'000 - 100);
  EXPECT_EQ(t.size(), 100u);
  // A million more addresses change nothing in size.
  for (int i = 0; i < 1'000'000; ++i) t.take("b" + std::to_string(i), kNow + 200);
  EXPECT_EQ(t.size(), 100u);
  // Known addresses keep their buckets meanwhile.
  EXPECT_TRUE(t.take("a5", kNow + 200).allowed());
  // A minute after its last use a bucket is full again, the same as none: it is dropped.
  EXPECT_TRUE(t.take("newcomer", kNow + 60'000).allowed());
  EXPECT_LE(t.size(), 100u);
}

TEST(TokenBuckets, AnIdleAddressComesBackWithAFullBucket) {
  TokenBuckets t({.per_minute = 2, .max_clients = 10});
  EXPECT_TRUE(t.take("x", kNow).allowed());
  EXPECT_TRUE(t.take("x", kNow).allowed());
  EXPECT_FALSE(t.take("x", kNow).allowed());
  EXPECT_TRUE(t.take("x", kNow + 60'000).allowed());
  EXPECT_TRUE(t.take("x", kNow + 60'000).allowed());
  EXPECT_FALSE(t.take("x", kNow + 60'000).allowed());
}

TEST(TokenBuckets, RateKeysGroupAnIpv6SubscriberByItsSlash64) {
  EXPECT_EQ(rate_key("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(rate_key("::ffff:203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(rate_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(rate_key("2001:db8:1:2:bbbb:cccc:dddd:eeee"), rate_key("2001:db8:1:2::9"));
  EXPECT_NE(rate_key("2001:db8:1:3::1"), rate_key("2001:db8:1:2::1"));
  EXPECT_EQ(rate_key("not an address"), "not an address");
}
