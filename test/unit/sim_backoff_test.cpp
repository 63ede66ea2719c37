// The simulator's back-off (the player page's schedule, jitter, Retry-After) and --target.
#include "streampulse/sim/backoff.hpp"
#include "streampulse/sim/targets.hpp"

#include <gtest/gtest.h>

namespace streampulse::sim {
namespace {

TEST(SimBackoff, FollowsThePagesSchedule) {
  EXPECT_EQ(next_backoff_ms(0), 1000);
  EXPECT_EQ(next_backoff_ms(1000), 2000);
  EXPECT_EQ(next_backoff_ms(4000), 8000);
  EXPECT_EQ(next_backoff_ms(8000), 10000);
  EXPECT_EQ(next_backoff_ms(10000), 10000);
}

TEST(SimBackoff, JitterStaysWithinAQuarterOfTheStep) {
  Backoff b;
  EXPECT_EQ(b.next(std::nullopt, 0.0), 750);   // 1000 * 0.75
  EXPECT_EQ(b.next(std::nullopt, 0.5), 2000);  // 2000 * 1.0
  EXPECT_EQ(b.next(std::nullopt, 1.0), 5000);  // 4000 * 1.25
  for (int i = 0; i < 5; ++i) b.next(std::nullopt, 0.5);
  EXPECT_EQ(b.base_ms(), 10000);
  const auto w = b.next(std::nullopt, 0.999);
  EXPECT_GE(w, 7500);
  EXPECT_LE(w, 12500);
  b.reset();
  EXPECT_EQ(b.next(std::nullopt, 0.5), 1000);  // after a success: from the start again
}

TEST(SimBackoff, RetryAfterIsHonouredNeverEarlier) {
  Backoff b;
  EXPECT_EQ(b.next(3000, 0.0), 3000);
  EXPECT_EQ(b.next(3000, 1.0), 3500);  // at most half a second later
  EXPECT_EQ(b.next(0, 0.0), 0);
  // The exponential step still advances, for when the next refusal carries no Retry-After.
  EXPECT_EQ(b.base_ms(), 4000);
  EXPECT_EQ(b.next(std::nullopt, 0.5), 8000);
}

TEST(SimBackoff, ParsesRetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after_ms("1"), 1000);
  EXPECT_EQ(parse_retry_after_ms(" 60 "), 60000);
  EXPECT_EQ(parse_retry_after_ms("0"), 0);
  EXPECT_EQ(parse_retry_after_ms("999999"), 3600000);  // capped at an hour
  EXPECT_FALSE(parse_retry_after_ms(""));
  EXPECT_FALSE(parse_retry_after_ms("-1"));
  EXPECT_FALSE(parse_retry_after_ms("1.5"));
  EXPECT_FALSE(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(SimTargets, ParsesOneOrSeveralBaseUrls) {
  std::vector<Target> t;
  std::string why;
  ASSERT_TRUE(parse_targets("http://127.0.0.1:8080", t, why)) << why;
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].host, "127.0.0.1");
  EXPECT_EQ(t[0].port, 8080);
  EXPECT_EQ(t[0].host_header, "127.0.0.1:8080");
  EXPECT_EQ(t[0].base, "http://127.0.0.1:8080");

  ASSERT_TRUE(parse_targets("http://a:1/, http://b:2/prefix/,,http://[::1]:3", t, why)) << why;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].base, "http://a:1");
  EXPECT_EQ(t[1].path, "/prefix");
  EXPECT_EQ(t[1].base, "http://b:2/prefix");
  EXPECT_EQ(t[2].host, "::1");
  EXPECT_EQ(t[2].host_header, "[::1]:3");

  ASSERT_TRUE(parse_targets("http://example.com", t, why)) << why;
  EXPECT_EQ(t[0].port, 80);
  EXPECT_EQ(t[0].host_header, "example.com:80");
}

TEST(SimTargets, RefusesWhatItCannotUse) {
  std::vector<Target> t;
  std::string why;
  EXPECT_FALSE(parse_targets("", t, why));
  EXPECT_FALSE(parse_targets(" , ", t, why));
  EXPECT_FALSE(parse_targets("https://x", t, why));
  EXPECT_NE(why.find("https"), std::string::npos);
  EXPECT_FALSE(parse_targets("ftp://x", t, why));
  EXPECT_FALSE(parse_targets("localhost:8080", t, why));
  EXPECT_FALSE(parse_targets("http://a:1,nope", t, why));
  EXPECT_FALSE(parse_targets("http://a:1/?q=1", t, why));
}

TEST(SimTargets, SpreadsViewersRoundRobin) {
  EXPECT_EQ(target_of(0, 3), 0u);
  EXPECT_EQ(target_of(1, 3), 1u);
  EXPECT_EQ(target_of(5, 3), 2u);
  EXPECT_EQ(target_of(7, 1), 0u);
}

}  // namespace
}  // namespace streampulse::sim
