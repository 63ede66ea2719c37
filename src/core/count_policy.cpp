#include "streampulse/core/count_policy.hpp"

#include <algorithm>

namespace streampulse::core {

EpochMs CountPolicy::min_interval_for(std::size_t subscribers) const {
  // Rule 4: subscribers / (deliveries per second), in ms, rounded up; never under min_gap.
  EpochMs by_budget = 0;
  if (settings_.max_deliveries_per_s > 0) {
    const std::uint64_t per_s = settings_.max_deliveries_per_s;
    by_budget = static_cast<EpochMs>((std::uint64_t{subscribers} * 1000 + per_s - 1) / per_s);
  }
  return std::max(settings_.min_gap_ms, by_budget);
}

std::uint64_t CountPolicy::settled() const { return window_.empty() ? 0 : window_.front().count; }

CountPolicy::Decision CountPolicy::observe(std::uint64_t active, EpochMs now, EpochMs planned_at,
                                           std::size_t subscribers) {
  min_interval_ms_ = min_interval_for(subscribers);
  last_seen_ = now;

  // Rule 2: a wake much later than planned means the loop stalled; heartbeats that waited in
  // it are not recorded yet, so for one active window a lower count is not believed.
  if (planned_at > 0 && now - planned_at > settings_.stall_ms) {
    ++stalls_;
    hold_until_ = std::max(hold_until_, now + settings_.active_window_ms);
  }

  // Rule 1: the sliding maximum. Each observation stands until the next one; one that a newer
  // and higher (or equal) one follows can never be the maximum again, so the deque's counts
  // decrease from front to back and the front is the maximum. The front leaves once the time
  // it stood for is more than settle_ms ago.
  if (!window_.empty() && !window_.back().until) window_.back().until = now;
  while (!window_.empty() && window_.back().count <= active) window_.pop_back();
  window_.push_back(Sample{now, active, std::nullopt});
  while (window_.front().until && *window_.front().until <= now - settings_.settle_ms)
    window_.pop_front();

  std::uint64_t count = settled();
  if (last_count_ && count < *last_count_ && now < hold_until_) count = *last_count_;  // rule 2
  shown_ = count;

  // Dips held back: an observation below the count viewers see that the rules above hide;
  // counted when it ends without having shown (the count is back), not when it turns out to be
  // a real leave (published lower).
  if (last_count_) {
    if (active < *last_count_ && count >= *last_count_) {
      in_dip_ = true;
    } else if (in_dip_ && active >= *last_count_) {
      ++dips_held_;
      in_dip_ = false;
    }
  }

  // Rules 3 and 4: the first count at once; a change once the minimum interval has passed;
  // else a keepalive, never more often than the minimum interval either.
  if (!last_count_) return {true, count};
  const EpochMs since = now - last_published_;
  if (count != *last_count_ && since >= min_interval_ms_) return {true, count};
  if (since >= std::max(settings_.keepalive_ms, min_interval_ms_)) return {true, count};
  return {false, count};
}

void CountPolicy::published(std::uint64_t count, EpochMs now) {
  if (last_count_ && count < *last_count_) in_dip_ = false;  // shown: a real leave, not a dip
  last_count_ = count;
  last_published_ = now;
}

std::optional<EpochMs> CountPolicy::next_look_at() const {
  if (!last_count_) return std::nullopt;  // nothing published yet: the next tick publishes
  // Only times after the latest observation: one already past was decided then (a publish that
  // failed is tried again at the next tick).
  std::optional<EpochMs> at;
  auto consider = [&](EpochMs t) {
    if (t > last_seen_ && (!at || t < *at)) at = t;
  };
  consider(last_published_ + std::max(settings_.keepalive_ms, min_interval_ms_));
  // The maximum drops when the front's time is over (the deque holds more than one count).
  if (window_.size() > 1 && window_.front().until)
    consider(*window_.front().until + settings_.settle_ms);
  // A held decrease may show when the hold ends.
  if (settled() < *last_count_) consider(hold_until_);
  // A change waits for the minimum interval.
  if (shown_ != *last_count_) consider(last_published_ + min_interval_ms_);
  return at;
}

bool CountPolicy::may_publish(EpochMs now) const {
  return !last_count_ || now - last_published_ >= min_interval_ms_;
}

void CountPolicy::reset() {
  window_.clear();
  last_count_.reset();
  last_seen_ = 0;
  last_published_ = 0;
  hold_until_ = 0;
  shown_ = 0;
  in_dip_ = false;
}

}  // namespace streampulse::core
