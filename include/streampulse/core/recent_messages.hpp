#pragma once
// Remembers the last N topic messages seen, so a heartbeat that arrives twice (by webhook and
// by the service's own subscription to the same topic) is processed once. A message is known by
// its topic sequence number and its text, which both paths carry.
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_set>

namespace streampulse::core {

class RecentMessages {
 public:
  explicit RecentMessages(std::size_t capacity = 16384) : capacity_(capacity) {}

  // True the first time (sequence_number, text) is seen within the last `capacity` messages.
  bool first_sighting(std::uint64_t sequence_number, std::string_view text);

  std::size_t size() const { return order_.size(); }

 private:
  std::size_t capacity_;
  std::deque<std::uint64_t> order_;  // oldest first, for eviction
  std::unordered_multiset<std::uint64_t> seen_;
};

}  // namespace streampulse::core
