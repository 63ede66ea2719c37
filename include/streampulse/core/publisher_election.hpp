#pragma once
// Several instances on one Momento cache share the viewer-count duty instead of each
// publishing it. Each instance announces itself every second in a sorted set (its id -> now);
// the instance with the smallest id among those announced within the lease is the publisher.
// No compare-and-set is needed: every instance computes the same answer from the same set, and
// when the view differs for a moment (an instance joining or dying) the worst case is a count
// published twice or skipped for one lease, which subscribers do not notice.
#include "streampulse/core/clock.hpp"
#include "streampulse/store/store.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace streampulse::core {

struct ElectionSettings {
  std::string members_set = "streampulse-instances";
  EpochMs lease_ms = 3000;  // an instance silent this long no longer counts
};

// True when `self` has the smallest id among the live members (score >= now - lease). An
// instance that does not see itself in the set (its announcement failed) is not the publisher.
bool is_count_publisher(std::string_view self, const std::vector<store::ScoredMember>& members,
                        EpochMs now, EpochMs lease_ms);

// A random id for this instance: 16 hex digits.
std::string make_instance_id();

}  // namespace streampulse::core
