// core/count_policy.hpp with an injected clock: a driver plays the publisher's loop (a wake
// every tick, or earlier when the policy asks) against an audience given as a function of time.
#include "streampulse/core/count_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

using namespace streampulse::core;

namespace {

constexpr EpochMs kStart = 1'700'000'000'000;

struct Driver {
  explicit Driver(std::function<std::uint64_t(EpochMs)> a, CountPolicySettings s = {})
      : policy(s), active(std::move(a)) {}

  CountPolicy policy;
  std::function<std::uint64_t(EpochMs)> active;  // the active count at a time
  std::size_t subscribers = 0;
  EpochMs now = kStart;
  std::vector<std::pair<EpochMs, std::uint64_t>> publishes;

  EpochMs tick() const { return policy.settings().tick_ms; }
  // One wake, `late` ms after it was planned for.
  void wake(EpochMs late = 0) {
    EpochMs planned = now + tick();
    if (auto at = policy.next_look_at()) planned = std::min(planned, *at);
    now = planned + late;
    const auto d = policy.observe(active(now), now, planned, subscribers);
    if (d.publish) {
      policy.published(d.count, now);
      publishes.emplace_back(now, d.count);
    }
  }
  void run_until(EpochMs t) {
    while (true) {
      EpochMs planned = now + tick();
      if (auto at = policy.next_look_at()) planned = std::min(planned, *at);
      if (planned > t) return;
      wake();
    }
  }
  // The first publish of `count` at or after `from`.
  std::optional<EpochMs> first_publish_of(std::uint64_t count, EpochMs from = 0) const {
    for (const auto& [at, c] : publishes)
      if (c == count && at >= from) return at;
    return std::nullopt;
  }
  std::size_t publishes_of(std::uint64_t count) const {
    return static_cast<std::size_t>(std::count_if(
        publishes.begin(), publishes.end(), [&](const auto& p) { return p.second == count; }));
  }
};

}  // namespace

TEST(CountPolicy, SteadyAudiencePublishesOnlyByKeepalive) {
  Driver d([](EpochMs) { return 1000u; });
  d.run_until(kStart + 10'100);
  // The first count at the first tick, then one a second: 11 publishes, all the same count.
  ASSERT_EQ(d.publishes.size(), 11u);
  for (std::size_t i = 1; i < d.publishes.size(); ++i) {
    EXPECT_EQ(d.publishes[i].first - d.publishes[i - 1].first, 1000);
    EXPECT_EQ(d.publishes[i].second, 1000u);
  }
  EXPECT_EQ(d.policy.dips_held(), 0u);
}

TEST(CountPolicy, ADipShorterThanSettleNeverShows) {
  // One tick low (one late heartbeat), then 240 ms low, unaligned with the ticks.
  Driver d([](EpochMs t) -> std::uint64_t {
    const EpochMs s = t - kStart;
    if (s >= 2000 && s < 2100) return 999;
    if (s >= 4030 && s < 4270) return 998;
    return 1000;
  });
  d.run_until(kStart + 8000);
  EXPECT_EQ(d.publishes_of(999), 0u);
  EXPECT_EQ(d.publishes_of(998), 0u);
  EXPECT_EQ(d.policy.dips_held(), 2u);
  for (const auto& [at, c] : d.publishes) EXPECT_EQ(c, 1000u) << at - kStart;
}

TEST(CountPolicy, ARealLeaveShowsWithinSettlePlusTick) {
  for (EpochMs leave : {5000, 5001, 5037, 5099}) {
    Driver d([leave](EpochMs t) -> std::uint64_t { return t - kStart < leave ? 1000 : 999; });
    d.run_until(kStart + 8000);
    const auto at = d.first_publish_of(999);
    ASSERT_TRUE(at) << leave;
    const EpochMs after = *at - (kStart + leave);
    EXPECT_GE(after, 250) << leave;        // settle
    EXPECT_LE(after, 250 + 100) << leave;  // settle + tick
    EXPECT_EQ(d.policy.dips_held(), 0u);   // a leave, not a dip
  }
}

TEST(CountPolicy, AJoinShowsAtTheNextAllowedTime) {
  Driver d([](EpochMs t) -> std::uint64_t { return t - kStart < 3050 ? 1000 : 1001; });
  d.run_until(kStart + 5000);
  const auto at = d.first_publish_of(1001);
  ASSERT_TRUE(at);
  EXPECT_LE(*at - (kStart + 3050), 100);  // the next tick

  // A join just after a publish waits for the minimum interval: 100,000 subscribers at
  // 50,000 deliveries/s, 2 s between publishes.
  Driver busy([](EpochMs t) -> std::uint64_t { return t - kStart < 300 ? 1000 : 1001; });
  busy.subscribers = 100'000;
  busy.run_until(kStart + 8000);
  ASSERT_GE(busy.publishes.size(), 2u);
  EXPECT_EQ(busy.publishes[0], std::make_pair(kStart + 100, std::uint64_t{1000}));
  EXPECT_EQ(busy.publishes[1], std::make_pair(kStart + 2100, std::uint64_t{1001}));
}

TEST(CountPolicy, AJoinMayWakeThePublisherOnlyPastTheMinimumInterval) {
  CountPolicy p;
  EXPECT_TRUE(p.may_publish(kStart));  // nothing published yet
  auto d = p.observe(10, kStart, 0, 0);
  ASSERT_TRUE(d.publish);
  p.published(d.count, kStart);
  EXPECT_FALSE(p.may_publish(kStart + 99));
  EXPECT_TRUE(p.may_publish(kStart + 100));
  // Early wakes (a join) are observations like any other; a join shows at once.
  d = p.observe(11, kStart + 130, kStart + 200, 0);
  EXPECT_TRUE(d.publish);
  EXPECT_EQ(d.count, 11u);
}

TEST(CountPolicy, AfterAStallDecreasesAreHeldForOneActiveWindow) {
  // The loop stalls 600 ms at 3 s; the heartbeats queued meanwhile are recorded over the
  // next second, so the count reads low (900) until then.
  auto audience = [](EpochMs t) -> std::uint64_t {
    const EpochMs s = t - kStart;
    return s >= 3000 && s < 4400 ? 900 : 1000;
  };
  Driver d(audience);
  d.run_until(kStart + 2900);
  d.wake(600);  // planned for 3000, came at 3600
  d.run_until(kStart + 8000);
  EXPECT_EQ(d.policy.stalls(), 1u);
  EXPECT_EQ(d.publishes_of(900), 0u);
  EXPECT_EQ(d.policy.dips_held(), 1u);

  // The same dip without a stall is longer than settle: it shows (a leave it might be).
  Driver control(audience);
  control.run_until(kStart + 8000);
  EXPECT_EQ(control.policy.stalls(), 0u);
  EXPECT_GE(control.publishes_of(900), 1u);

  // A real decrease after a stall shows once the hold is over (and settled).
  Driver leave([](EpochMs t) -> std::uint64_t { return t - kStart < 3000 ? 1000 : 900; });
  leave.run_until(kStart + 2900);
  leave.wake(600);
  const EpochMs woke = leave.now;
  leave.run_until(kStart + 8000);
  const auto at = leave.first_publish_of(900);
  ASSERT_TRUE(at);
  EXPECT_GE(*at, woke + 1500);
  EXPECT_LE(*at, woke + 1500 + 100);
  // A wake late by up to two ticks is no stall.
  Driver jitter([](EpochMs) { return 5u; });
  jitter.wake(200);
  EXPECT_EQ(jitter.policy.stalls(), 0u);
}

TEST(CountPolicy, MinimumIntervalGrowsWithSubscribers) {
  const std::pair<std::size_t, EpochMs> cases[] = {{0, 100},    {1000, 100},    {5000, 100},
                                                   {5001, 101}, {50'000, 1000}, {200'000, 4000}};
  for (const auto& [subscribers, interval] : cases) {
    CountPolicy p;
    p.observe(1, kStart, 0, subscribers);
    EXPECT_EQ(p.min_interval_ms(), interval) << subscribers;
  }
  CountPolicySettings unbounded;
  unbounded.max_deliveries_per_s = 0;  // no budget: one tick apart
  CountPolicy p(unbounded);
  p.observe(1, kStart, 0, 1'000'000);
  EXPECT_EQ(p.min_interval_ms(), 100);
  // A long tick: a join (waking the publisher) may still go out 100 ms after a publish.
  CountPolicySettings slow;
  slow.tick_ms = 2000;
  CountPolicy q(slow);
  q.published(q.observe(1, kStart, 0, 0).count, kStart);
  EXPECT_EQ(q.min_interval_ms(), 100);
  EXPECT_TRUE(q.may_publish(kStart + 100));
  EXPECT_TRUE(q.observe(2, kStart + 150, kStart + 2000, 0).publish);

  // A count changing every tick, 200,000 subscribers: a publish every 4 s, so deliveries
  // stay at the 50,000/s budget.
  Driver d([](EpochMs t) { return static_cast<std::uint64_t>((t - kStart) / 100); });
  d.subscribers = 200'000;
  d.run_until(kStart + 20'000);
  ASSERT_GE(d.publishes.size(), 5u);
  for (std::size_t i = 1; i < d.publishes.size(); ++i)
    EXPECT_EQ(d.publishes[i].first - d.publishes[i - 1].first, 4000);
  const double deliveries_per_s = static_cast<double>(d.publishes.size() * d.subscribers) / 20.0;
  EXPECT_LE(deliveries_per_s, 50'000 * 1.25);  // the first publish comes at once
}

TEST(CountPolicy, KeepaliveComesOneSecondAfterTheLastPublish) {
  Driver d([](EpochMs t) -> std::uint64_t { return t - kStart < 1550 ? 7 : 8; });
  d.run_until(kStart + 4000);
  const auto join = d.first_publish_of(8);
  ASSERT_TRUE(join);
  // The keepalives that follow, one second apart from the join's publish.
  std::vector<EpochMs> after;
  for (const auto& [at, c] : d.publishes)
    if (at > *join) after.push_back(at);
  ASSERT_GE(after.size(), 2u);
  EXPECT_EQ(after[0], *join + 1000);
  EXPECT_EQ(after[1], *join + 2000);
  // With a budget that spaces publishes more than a second, the keepalive follows it.
  Driver busy([](EpochMs) { return 3u; });
  busy.subscribers = 150'000;  // 3 s
  busy.run_until(kStart + 10'000);
  ASSERT_GE(busy.publishes.size(), 3u);
  EXPECT_EQ(busy.publishes[1].first - busy.publishes[0].first, 3000);
}

TEST(CountPolicy, ResetPublishesAtOnceAndKeepsTheFigures) {
  Driver d([](EpochMs t) -> std::uint64_t {
    const EpochMs s = t - kStart;
    return s >= 1000 && s < 1100 ? 4 : 5;
  });
  d.run_until(kStart + 1500);
  EXPECT_EQ(d.policy.dips_held(), 1u);
  d.policy.reset();
  EXPECT_TRUE(d.policy.may_publish(d.now));
  d.wake();
  EXPECT_EQ(d.publishes.back().first, d.now);
  EXPECT_EQ(d.policy.dips_held(), 1u);
}

TEST(CountPolicy, WithoutSettleEveryDipShows) {
  CountPolicySettings s;
  s.settle_ms = 0;
  Driver d(
      [](EpochMs t) -> std::uint64_t {
        const EpochMs st = t - kStart;
        return st >= 2000 && st < 2100 ? 9 : 10;
      },
      s);
  d.run_until(kStart + 3000);
  EXPECT_EQ(d.publishes_of(9), 1u);
}
