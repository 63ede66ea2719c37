#include "streampulse/core/publisher_election.hpp"

#include <cstdio>
#include <random>

namespace streampulse::core {

bool is_count_publisher(std::string_view self, const std::vector<store::ScoredMember>& members,
                        EpochMs now, EpochMs lease_ms) {
  const double since = static_cast<double>(now - lease_ms);
  bool self_live = false;
  for (const auto& m : members) {
    if (m.score < since) continue;
    if (m.value == self) {
      self_live = true;
    } else if (m.value < self) {
      return false;
    }
  }
  return self_live;
}

std::string make_instance_id() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(v));
  return out;
}

}  // namespace streampulse::core
