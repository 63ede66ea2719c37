// Counts per stream (issue 15, part 2): each player in one stream, the active window per
// stream, moves between streams, pruning; and the plan of the streams' publishes: the calm
// rules per stream, nothing for streams nobody watches, and one budget for the instance.
#include "streampulse/core/stream_activity.hpp"
#include "streampulse/core/stream_count_plan.hpp"

#include <gtest/gtest.h>

namespace streampulse::core {
namespace {

StreamFigures at(std::map<std::string, StreamFigures> f, const std::string& id) {
  return f.contains(id) ? f[id] : StreamFigures{};
}

TEST(StreamActivity, CountsThePlayersOfEachStreamSeenWithinTheWindow) {
  StreamActivity a(1500);
  a.seen("p1", "main", 1000);
  a.seen("p2", "main", 1100);
  a.seen("p3", "show", 1200);
  auto f = a.figures(1300);
  EXPECT_EQ(at(f, "main").active, 2u);
  EXPECT_EQ(at(f, "show").active, 1u);
  EXPECT_EQ(at(f, "show").total, 1u);
  // p1 leaves the window; p2 and p3 keep sending.
  a.seen("p2", "main", 2400);
  a.seen("p3", "show", 2400);
  f = a.figures(2600);
  EXPECT_EQ(at(f, "main").active, 1u);
  EXPECT_EQ(at(f, "main").total, 2u);
  EXPECT_EQ(at(f, "show").active, 1u);
  // p1 comes back: active again.
  a.seen("p1", "main", 2700);
  EXPECT_EQ(at(a.figures(2700), "main").active, 2u);
}

TEST(StreamActivity, TheWindowsEdgeIsTheRegistrysInclusiveOne) {
  StreamActivity a(1500);
  a.seen("p1", "main", 1000);
  EXPECT_EQ(at(a.figures(2500), "main").active, 1u);  // seen at now - window: still active
  EXPECT_EQ(at(a.figures(2501), "main").active, 0u);
  EXPECT_EQ(at(a.figures(2501), "main").total, 1u);
}

TEST(StreamActivity, APlayerMovesToTheStreamItsLatestHeartbeatNames) {
  StreamActivity a(1500);
  a.seen("p1", "main", 1000);
  a.seen("p1", "show", 1100);
  auto f = a.figures(1200);
  EXPECT_FALSE(f.contains("main"));  // nobody left: the stream is forgotten
  EXPECT_EQ(at(f, "show").active, 1u);
  EXPECT_EQ(*a.stream_of("p1"), "show");
  EXPECT_EQ(a.players(), 1u);
}

TEST(StreamActivity, PruningFollowsTheRetentionAndTheRegistry) {
  StreamActivity a(1500);
  a.seen("old", "main", 1000);
  a.seen("evicted", "show", 5000);
  a.seen("kept", "show", 5000);
  EXPECT_EQ(a.prune(2000, [](const std::string& id) { return id != "evicted"; }), 2u);
  auto f = a.figures(5100);
  EXPECT_FALSE(f.contains("main"));
  EXPECT_EQ(at(f, "show").active, 1u);
  EXPECT_EQ(at(f, "show").total, 1u);
  a.remove("kept");
  EXPECT_EQ(a.streams(), 0u);
}

TEST(StreamActivity, AClockSteppingBackKeepsTheCountsWhole) {
  StreamActivity a(1500);
  a.seen("p1", "main", 10'000);
  EXPECT_EQ(at(a.figures(10'000), "main").active, 1u);
  a.seen("p2", "main", 5'000);  // the clock stepped back
  EXPECT_EQ(at(a.figures(10'000), "main").active, 2u);
  a.remove("p2");
  a.remove("p1");
  EXPECT_EQ(a.streams(), 0u);
}

CountPolicySettings calm() {
  CountPolicySettings s;
  s.settle_ms = 0;  // every change shows at once
  return s;
}

TEST(StreamCountPlan, PublishesAStreamsCountOnChangeAndKeepsItAlive) {
  StreamCountPlan plan(calm(), 1000);
  auto due = plan.observe({{"show", 2}}, 1000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].stream_id, "show");
  EXPECT_EQ(due[0].count, 2u);
  plan.published("show", 2, 1000);
  EXPECT_TRUE(plan.observe({{"show", 2}}, 1100).empty());   // no change, keepalive not due
  EXPECT_EQ(plan.observe({{"show", 2}}, 2000).size(), 1u);  // the 1 s keepalive
}

TEST(StreamCountPlan, AStreamNobodyWatchesCostsNothingOnceItsZeroIsOut) {
  StreamCountPlan plan(calm(), 1000);
  plan.published("show", 1, 0);  // unknown: ignored
  auto due = plan.observe({{"show", 1}}, 1000);
  plan.published("show", 1, 1000);
  due = plan.observe({}, 1200);  // the last viewer left
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].count, 0u);
  plan.published("show", 0, 1200);
  EXPECT_EQ(plan.streams_planned(), 0u);
  EXPECT_TRUE(plan.observe({}, 5000).empty());
  EXPECT_TRUE(plan.observe({{"quiet", 0}}, 5100).empty());
}

TEST(PublishBudget, RefillsWithTheInjectedClock) {
  PublishBudget budget(100);  // a burst of 10, one every 10 ms
  int taken = 0;
  while (budget.take(1000)) ++taken;
  EXPECT_EQ(taken, 10);
  EXPECT_FALSE(budget.take(1005));
  EXPECT_TRUE(budget.take(1010));
  EXPECT_FALSE(budget.take(1010));
}

TEST(StreamCountPlan, AThousandStreamsStayWithinTheBudgetAndNoneStarves) {
  StreamCountPlan plan(calm(), 200);  // 20 a tick at most, 200 a second
  std::map<std::string, std::uint64_t> active;
  for (int i = 0; i < 1000; ++i) active["s" + std::to_string(1000 + i)] = 10;
  std::map<std::string, int> published;
  std::size_t most_in_a_tick = 0, total = 0;
  for (EpochMs now = 1000; now < 11'000; now += 100) {  // 10 s of 100 ms ticks
    const auto due = plan.observe(active, now);
    most_in_a_tick = std::max(most_in_a_tick, due.size());
    for (const auto& p : due) {
      plan.published(p.stream_id, p.count, now);
      ++published[p.stream_id];
      ++total;
    }
  }
  EXPECT_LE(most_in_a_tick, 20u);
  EXPECT_LE(total, 200u * 10 + 20);
  EXPECT_EQ(published.size(), 1000u);  // every stream got its count out
  EXPECT_GT(plan.deferred(), 0u);
}

TEST(StreamCountPlan, ChangesGoBeforeKeepalives) {
  StreamCountPlan plan(calm(), 10);  // a burst of 1
  for (EpochMs t : {1000, 1100}) {
    for (const auto& p : plan.observe({{"a", 1}, {"b", 1}}, t))
      plan.published(p.stream_id, p.count, t);
  }
  // Both out by now (one each tick); at 2200 a's keepalive is due and b changed: b first.
  const auto due = plan.observe({{"a", 1}, {"b", 2}}, 2200);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].stream_id, "b");
}

}  // namespace
}  // namespace streampulse::core
