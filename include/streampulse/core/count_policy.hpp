#pragma once
// What viewer count to publish on the count topic, and when: a count exact and calm under load.
//
// The publisher (service/count_publisher.cpp run_count_publisher) reads the active count (players
// seen within the active window) every tick and asks this policy. The original published on every
// heartbeat (N^2 deliveries per period with N viewers); a plain "publish when it changed" is
// not calm either: under load one late heartbeat drops a player out of the window for a moment,
// the count changes, every subscriber gets a long-poll answer, which makes more heartbeats
// late, and the count flaps. The rules, each where it is applied in count_policy.cpp:
//
// 1. Settle (a sliding maximum). The count published is the HIGHEST active count observed over
//    the last `settle_ms`; an observation stands until the next one, so a dip shorter than
//    `settle_ms` (one late heartbeat, a slow client, a brief stall) never shows, a join shows
//    at once (it raises the maximum), and a real leave shows `settle_ms` after the first tick
//    that sees it, i.e. within settle + tick after the player left the window. With heartbeats
//    every 750 ms and a 1500 ms window, a heartbeat may be 750 + settle ms late without any
//    change being published; the price is that a leave shows settle ms later. 250 ms: a late
//    heartbeat of up to 1 s does not flap the count, a leave shows within 350 ms of leaving
//    the window (1.85 s after the player's last heartbeat).
// 2. Stall guard. When the publisher's own wake comes much later than planned (more than
//    `stall_ms`, by default 2 ticks: the loop stalled), the heartbeats queued during the stall
//    have not been recorded yet and the count reads low: decreases are held for one active
//    window after it (increases still show).
// 3. Change or keepalive. A count is published when it differs from the last one published,
//    else once every `keepalive_ms` (1 s) so a new subscriber soon gets one: in a steady
//    audience about one publish a second.
// 4. Delivery budget. Each publish is one delivery per subscriber waiting on the topic; the
//    time between publishes is at least max(min_gap, subscribers / max_deliveries_per_s), so
//    that deliveries stay under the per-instance budget however large the audience (a join
//    waits for that time too; the keepalive is never more often). min_gap is the tick, at most
//    100 ms: with a longer tick a join still shows within 100 ms (it wakes the publisher).
//
// Pure: the clock is passed in (EpochMs), nothing here sleeps or does I/O.
#include "streampulse/core/clock.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace streampulse::core {

struct CountPolicySettings {
  EpochMs tick_ms = 100;            // the publisher's period
  EpochMs min_gap_ms = 100;         // rule 4 with no subscribers: min(tick, 100 ms)
  EpochMs settle_ms = 250;          // rule 1; 0: every dip shows
  EpochMs keepalive_ms = 1000;      // rule 3
  EpochMs active_window_ms = 1500;  // rule 2: how long decreases are held after a stall
  EpochMs stall_ms = 200;           // rule 2: a wake later than this is a stall (2 ticks)
  std::uint64_t max_deliveries_per_s = 50'000;  // rule 4; 0: no budget (one tick apart)
};

class CountPolicy {
 public:
  CountPolicy() = default;
  explicit CountPolicy(CountPolicySettings settings) : settings_(settings) {}

  struct Decision {
    bool publish = false;
    std::uint64_t count = 0;  // the count to publish (the settled one)
  };

  // One observation of the active count at `now` by a wake planned for `planned_at` (0: not
  // known, no stall check), with `subscribers` waiting on the count topic.
  Decision observe(std::uint64_t active, EpochMs now, EpochMs planned_at, std::size_t subscribers);
  // A decision was carried out: `count` went out at `now`. (A failed publish is not reported:
  // the next observation tries again.)
  void published(std::uint64_t count, EpochMs now);

  // When the decision may change with no new observation (the maximum expiring, a stall hold
  // ending, the minimum interval passing with a change pending, the keepalive): the publisher
  // looks again then if it is before its next tick.
  std::optional<EpochMs> next_look_at() const;
  // A join may be published at `now` (the minimum interval since the last publish is over):
  // the publisher wakes early for it only then.
  bool may_publish(EpochMs now) const;

  // Forgets the observations and the last publish (the instance lost the count duty: when it
  // takes it over, it publishes at once). The figures below are kept.
  void reset();

  // For /metrics.
  EpochMs min_interval_ms() const { return min_interval_ms_; }
  std::uint64_t dips_held() const { return dips_held_; }  // decreases that never showed
  std::uint64_t stalls() const { return stalls_; }        // wakes later than stall_ms
  const CountPolicySettings& settings() const { return settings_; }

 private:
  struct Sample {
    EpochMs at;
    std::uint64_t count;
    std::optional<EpochMs> until;  // the next observation's time; none: the latest
  };
  EpochMs min_interval_for(std::size_t subscribers) const;
  std::uint64_t settled() const;

  CountPolicySettings settings_;
  // Rule 1: the observations that may still be the maximum, counts decreasing from the front.
  std::deque<Sample> window_;
  std::optional<std::uint64_t> last_count_;  // the last count published
  EpochMs last_published_ = 0;
  EpochMs hold_until_ = 0;  // rule 2
  EpochMs last_seen_ = 0;   // the latest observation's time
  EpochMs min_interval_ms_ = 0;
  std::uint64_t shown_ = 0;  // the count the latest observation settled on (rules 1, 2)
  bool in_dip_ = false;      // an observation below the count published, not shown yet
  std::uint64_t dips_held_ = 0;
  std::uint64_t stalls_ = 0;
};

}  // namespace streampulse::core
