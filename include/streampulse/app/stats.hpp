#pragma once
// Counters the service keeps about itself, exposed on /metrics.
#include <atomic>
#include <cstdint>

namespace streampulse::app {

struct Stats {
  std::uint64_t heartbeats_accepted = 0;
  std::uint64_t heartbeats_invalid = 0;
  std::uint64_t heartbeats_failed = 0;     // valid, but the store refused or was down
  std::uint64_t heartbeats_duplicate = 0;  // seen already (webhook and subscription both on)
  std::uint64_t webhooks_unauthorized = 0;
  std::uint64_t webhooks_stale = 0;
  std::uint64_t count_publishes = 0;
  std::uint64_t count_publish_errors = 0;
  std::uint64_t last_published_count = 0;
  std::uint64_t players_pruned = 0;
};

}  // namespace streampulse::app
