#include "streampulse/sim/backoff.hpp"

#include <algorithm>
#include <charconv>

namespace streampulse::sim {

std::int64_t next_backoff_ms(std::int64_t previous_ms) {
  return previous_ms > 0 ? std::min(previous_ms * 2, kBackoffMaxMs) : kBackoffMinMs;
}

std::optional<std::int64_t> parse_retry_after_ms(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 9) return std::nullopt;
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::min<std::int64_t>(seconds, 3600) * 1000;
}

std::int64_t Backoff::next(std::optional<std::int64_t> retry_after_ms, double unit) {
  unit = std::clamp(unit, 0.0, 1.0);
  base_ms_ = next_backoff_ms(base_ms_);
  if (retry_after_ms) {
    // The server said when: never earlier, spread over the next half second.
    return *retry_after_ms + static_cast<std::int64_t>(unit * 500);
  }
  return static_cast<std::int64_t>(static_cast<double>(base_ms_) * (0.75 + 0.5 * unit));
}

}  // namespace streampulse::sim
