#pragma once
// How the Momento adapter waits and retries: one budget per call, a few attempts with
// exponential backoff and full jitter, and only where a retry cannot apply a change twice.
#include <chrono>
#include <cstdint>

namespace streampulse::momento {

struct CallPolicy {
  // The whole call, retries and backoff included (the SDKs' default deadline is 5 s).
  std::chrono::milliseconds budget{5000};
  int max_attempts = 3;
  std::chrono::milliseconds backoff_base{50};
  std::chrono::milliseconds backoff_max{1000};
};

// The pause before attempt `attempt` (1 = the first retry): uniform in (0, min(max, base * 2^n)],
// "full jitter", so many instances retrying after one outage do not all return at once.
// `random01` is a number in [0, 1).
std::chrono::milliseconds backoff_delay(const CallPolicy& policy, int attempt, double random01);

}  // namespace streampulse::momento
