#pragma once
// The viewer's back-off after a refusal (429, 503) or a refused connection, as the player page
// (static/player.js nextBackoff) does it: 1 s, then doubling up to 10 s, back to nothing after a
// success. The simulator adds jitter (each wait drawn in [75 %, 125 %] of the page's, so that a
// crowd refused at the same moment does not come back at the same moment) and honours
// Retry-After when the answer carries one (never earlier; up to 500 ms later, for the same
// reason). Pure: the random draw is passed in.
#include <cstdint>
#include <optional>
#include <string_view>

namespace streampulse::sim {

inline constexpr std::int64_t kBackoffMinMs = 1000;   // player.js BACKOFF_MIN_MS
inline constexpr std::int64_t kBackoffMaxMs = 10000;  // player.js BACKOFF_MAX_MS

// player.js nextBackoff: 0 -> 1000 -> 2000 -> 4000 -> 8000 -> 10000 -> 10000 ...
std::int64_t next_backoff_ms(std::int64_t previous_ms);

// Retry-After as delay-seconds (RFC 9110 10.2.3), in ms. An HTTP-date or anything else: nullopt
// (the exponential schedule applies). Capped at one hour.
std::optional<std::int64_t> parse_retry_after_ms(std::string_view value);

class Backoff {
 public:
  // The wait before the next try; `unit` is a uniform draw in [0, 1).
  std::int64_t next(std::optional<std::int64_t> retry_after_ms, double unit);
  void reset() { base_ms_ = 0; }
  std::int64_t base_ms() const { return base_ms_; }  // the page's current step, 0 after reset

 private:
  std::int64_t base_ms_ = 0;
};

}  // namespace streampulse::sim
