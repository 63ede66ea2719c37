#include "streampulse/core/recent_messages.hpp"

#include <functional>

namespace streampulse::core {

bool RecentMessages::first_sighting(std::uint64_t sequence_number, std::string_view text) {
  // A 64-bit digest, not the text: memory stays 16 bytes or so per remembered message. Two
  // different heartbeats with one sequence number and colliding hashes are not a real risk.
  const std::uint64_t key =
      std::hash<std::string_view>{}(text) ^ (sequence_number * 0x9E3779B97F4A7C15ULL);
  if (seen_.contains(key)) return false;
  if (capacity_ == 0) return true;
  if (order_.size() == capacity_) {
    seen_.erase(seen_.find(order_.front()));
    order_.pop_front();
  }
  order_.push_back(key);
  seen_.insert(key);
  return true;
}

}  // namespace streampulse::core
