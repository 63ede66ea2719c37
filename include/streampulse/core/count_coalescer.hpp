#pragma once
// When to publish the viewer count. The original published on every heartbeat: with N viewers
// subscribed that is N deliveries per heartbeat, N^2 per period. We check the count on a short
// tick and publish only when it changed, plus a keepalive so late subscribers see it soon.
// Publishes per second are then bounded by 1/tick, whatever the number of players.
#include "streampulse/core/clock.hpp"

#include <cstdint>
#include <optional>

namespace streampulse::core {

class CountCoalescer {
 public:
  // Not explicit: `coalescer = {}` resets one, and clang (rightly) refuses copy-list-init
  // through an explicit default constructor, which GCC 12 let through.
  CountCoalescer() = default;
  explicit CountCoalescer(EpochMs keepalive_ms) : keepalive_ms_(keepalive_ms) {}

  bool should_publish(std::uint64_t count, EpochMs now) const {
    return !last_count_ || *last_count_ != count || now - last_published_ >= keepalive_ms_;
  }
  void published(std::uint64_t count, EpochMs now) {
    last_count_ = count;
    last_published_ = now;
  }

 private:
  EpochMs keepalive_ms_ = 1000;
  std::optional<std::uint64_t> last_count_;
  EpochMs last_published_ = 0;
};

}  // namespace streampulse::core
