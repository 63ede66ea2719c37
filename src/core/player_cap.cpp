#include "streampulse/core/player_cap.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace streampulse::core {

Admission decide_admission(const AdmissionQuery& q) {
  if (q.known || q.tracked < q.max_players) return Admission::record;
  // Inactive: last seen before the active window (the active count counts score >= now - window).
  if (q.oldest_seen && *q.oldest_seen < q.now - q.active_window_ms)
    return Admission::evict_then_record;
  return Admission::refuse;
}

PlayerCap size_player_cap(std::size_t configured, std::optional<std::uint64_t> memory_limit) {
  if (configured > 0) return {configured, "set by --max-players"};
  if (!memory_limit) {
    return {kDefaultMaxPlayers, "the default: no cgroup memory limit found"};
  }
  const auto share =
      static_cast<std::uint64_t>(static_cast<double>(*memory_limit) * kPlayersMemoryShare);
  // At least a thousand players, even in a tiny container (a few MiB).
  const std::size_t cap = std::max<std::uint64_t>(1000, share / kBytesPerPlayer);
  return {cap, "half of the cgroup memory limit (" + std::to_string(*memory_limit >> 20) +
                   " MiB) at " + std::to_string(kBytesPerPlayer) + " bytes per player"};
}

std::optional<std::uint64_t> parse_cgroup_memory_limit(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;  // "max"
  constexpr std::uint64_t kAbsurd = std::uint64_t{1} << 50;  // 1 PiB: "no limit" in v1
  if (value == 0 || value >= kAbsurd) return std::nullopt;
  return value;
}

}  // namespace streampulse::core
