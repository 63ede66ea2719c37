// The simulator's books: the true audience, accuracy samples and freshness of churn events.
#include "streampulse/sim/audience_ledger.hpp"

#include <gtest/gtest.h>

namespace streampulse::sim {
namespace {

LedgerOptions options() {
  LedgerOptions o;
  o.active_window_ms = 1500;
  o.warmup_ms = 1000;
  o.quiet_ms = 2500;
  o.sample_size = 10;
  return o;
}

// n viewers, all admitted at `at`.
AudienceLedger with_viewers(std::size_t n, std::int64_t at) {
  AudienceLedger l(options(), 0);
  for (std::size_t i = 0; i < n; ++i) l.add_viewer(true);
  for (std::size_t i = 0; i < n; ++i) l.heartbeat_ok(i, at);
  return l;
}

TEST(AudienceLedger, TrueAudienceIsAdmittedViewersWithinTheWindow) {
  AudienceLedger l(options(), 0);
  l.add_viewer(true);
  l.add_viewer(false);
  l.add_viewer(true);
  EXPECT_EQ(l.true_audience(0), 0);  // nobody answered yet
  l.heartbeat_ok(0, 100);
  l.heartbeat_ok(1, 200);
  EXPECT_EQ(l.true_audience(300), 2);
  EXPECT_EQ(l.true_audience(1600), 2);  // 100 + 1500: still in
  EXPECT_EQ(l.true_audience(1601), 1);  // viewer 0 fell out of the window
  EXPECT_TRUE(l.watching(1, 1700));
  EXPECT_FALSE(l.watching(2, 1700));
}

TEST(AudienceLedger, SamplesCompareSeenWithTruth) {
  auto l = with_viewers(4, 0);
  for (std::size_t i = 0; i < 4; ++i) l.delivered(i, 4, 50);
  l.sample(500);  // warm-up: counted, not steady
  l.delivered(3, 3, 600);
  for (std::size_t i = 0; i < 4; ++i) l.heartbeat_ok(i, 1000);
  l.sample(1100);
  const auto& a = l.accuracy();
  EXPECT_EQ(a.samples, 8u);
  EXPECT_EQ(a.exact, 7u);
  EXPECT_EQ(a.within, 7u);  // 3 vs 4 is 25 % off
  EXPECT_EQ(a.min_seen, 3);
  EXPECT_EQ(a.max_seen, 4);
  EXPECT_EQ(a.steady_samples, 4u);
  EXPECT_EQ(a.steady_mismatches, 1u);
  ASSERT_EQ(a.first_mismatches.size(), 1u);
  EXPECT_EQ(a.first_mismatches[0].viewer, 3u);
  EXPECT_EQ(a.first_mismatches[0].seen, 3);
  EXPECT_EQ(a.first_mismatches[0].truth, 4);
}

TEST(AudienceLedger, WithinHalfAPercentToleratesSmallErrorsOnly) {
  auto l = with_viewers(400, 0);
  l.delivered(0, 398, 10);  // 0.5 % of 400 = 2: within
  l.delivered(1, 397, 10);  // 3 off: not
  l.delivered(2, 400, 10);
  l.sample(100);
  const auto& a = l.accuracy();
  EXPECT_EQ(a.samples, 10u);  // the sample is 10 viewers
  EXPECT_EQ(a.unseen, 7u);
  EXPECT_EQ(a.within, 2u);
  EXPECT_EQ(a.exact, 1u);
}

TEST(AudienceLedger, ALeaveTakesEffectWhenItLeavesTheWindow) {
  auto l = with_viewers(3, 2000);
  for (std::size_t i = 0; i < 3; ++i) l.delivered(i, 3, 2050);
  l.leave(2, 2100);  // last answered at 2000: out at 3500
  l.heartbeat_ok(0, 2800);
  l.heartbeat_ok(1, 2800);
  l.heartbeat_ok(2, 2800);  // gone: no longer counts
  EXPECT_EQ(l.true_audience(3400), 3);
  EXPECT_EQ(l.true_audience(3501), 2);
  EXPECT_FALSE(l.steady(3400));  // from the announcement
  EXPECT_FALSE(l.steady(5900));  // to 3500 + 2.5 s
  EXPECT_TRUE(l.steady(6001));
  l.delivered(0, 2, 3620);  // 120 ms after it took effect
  l.delivered(1, 2, 3400);  // before: early, counted as 0
  l.delivered(1, 2, 3700);  // resolved already: not again
  const auto& f = l.freshness();
  EXPECT_EQ(f.events, 1u);
  EXPECT_EQ(f.leaves, 1u);
  EXPECT_EQ(f.resolved, 2u);
  EXPECT_EQ(f.early, 1u);
  EXPECT_NEAR(f.max_ms, 120, 0.01);
  EXPECT_NEAR(f.latency.percentile_ms(99), 120, 6);
}

TEST(AudienceLedger, AChurnJoinCountsFromItsFirstAnsweredHeartbeat) {
  auto l = with_viewers(2, 2000);
  const auto joiner = l.add_viewer(true, true);
  EXPECT_EQ(l.freshness().events, 0u);
  l.heartbeat_ok(joiner, 2300);
  EXPECT_EQ(l.freshness().joins, 1u);
  EXPECT_EQ(l.true_audience(2300), 3);
  l.delivered(0, 3, 2450);
  l.delivered(joiner, 3, 2460);  // the subject itself is not a sample of its own event
  l.delivered(1, 2, 2500);       // not yet
  // A second event closes the first: viewer 1 never saw 3.
  l.leave(0, 2600);
  EXPECT_EQ(l.freshness().resolved, 1u);
  EXPECT_EQ(l.freshness().unresolved, 1u);
}

TEST(AudienceLedger, PublishesAreDistinctSequenceNumbers) {
  AudienceLedger l(options(), 0);
  l.topic_item(0, 5);
  l.topic_item(0, 5);  // another viewer, the same publish
  l.topic_item(0, 6);
  l.topic_item(0, 6);
  l.topic_item(0, 4);  // a late viewer catching up
  l.topic_item(1, 0);  // a new page
  EXPECT_EQ(l.publishes(), 3u);
}

// With --streams each stream's count is its own topic, with its own sequence numbers: a
// publish on one is not taken for a viewer of another catching up.
TEST(AudienceLedger, PublishesAreCountedPerStreamTopic) {
  AudienceLedger l(options(), 0);
  l.topic_item(0, 5, 0);
  l.topic_item(0, 2, 1);  // stream 1's third publish, not a late item of stream 0
  l.topic_item(0, 3, 1);
  l.topic_item(0, 3, 1);  // another viewer of stream 1, the same publish
  l.topic_item(0, 6, 0);
  EXPECT_EQ(l.publishes(), 4u);
}

TEST(AudienceLedger, DeliveriesPerViewerSecondIntegrateSubscribedViewers) {
  auto l = with_viewers(2, 0);
  l.sample(0);
  l.delivered(0, 2, 500);
  l.delivered(1, 2, 500);
  for (std::size_t i = 0; i < 2; ++i) l.heartbeat_ok(i, 900);
  l.sample(1000);
  EXPECT_EQ(l.deliveries(), 2u);
  EXPECT_NEAR(l.subscribed_viewer_seconds(), 2.0, 1e-9);
}

}  // namespace
}  // namespace streampulse::sim
