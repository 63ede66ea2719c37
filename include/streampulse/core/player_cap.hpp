#pragma once
// The bound on players tracked at once (index, sorted set `activePlayers`, dictionary
// `analytics`): players are made up by whoever sends heartbeats, so their number must not
// follow what clients send. Pure rules; the registry applies them, the app sizes the cap.
//
// Past the cap a new player takes the place of the longest-silent inactive player (the first
// of the sorted set, which is ordered by last-seen); when every tracked player is active, the
// new player is refused and nothing changes. Players already tracked are always recorded.
#include "streampulse/core/clock.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace streampulse::core {

enum class Admission {
  record,             // a known player, or room left: record it
  evict_then_record,  // at the cap: the oldest player is inactive; remove it, then record
  refuse,             // at the cap and every tracked player is active
};

struct AdmissionQuery {
  bool known = false;       // the player is tracked already
  std::size_t tracked = 0;  // players tracked (and admissions in flight)
  std::size_t max_players = 0;
  // Last-seen time of the longest-silent tracked player; nullopt: unknown (none tracked).
  std::optional<EpochMs> oldest_seen;
  EpochMs now = 0;
  EpochMs active_window_ms = 0;
};

Admission decide_admission(const AdmissionQuery& q);

// What a tracked player costs, measured as the resident-memory growth per player on the
// embedded backend (index + sorted set + dictionary, a 64-byte id and a full heartbeat with
// quality fields): 878-897 B (bench/player_memory.cpp; docs/benchmarks.md), rounded up.
inline constexpr std::uint64_t kBytesPerPlayer = 1024;
// Share of the memory limit players may use when the cap is sized from it (the rest: the
// media store, connections, buffers, the allocator's slack).
inline constexpr double kPlayersMemoryShare = 0.5;
// The cap when none is configured and no memory limit is found.
inline constexpr std::size_t kDefaultMaxPlayers = 250'000;

struct PlayerCap {
  std::size_t max_players = kDefaultMaxPlayers;
  std::string reason;  // how it was chosen, for the start-up log
};

// configured: Config::max_players (0: size it); memory_limit: the cgroup's limit in bytes, if
// any.
PlayerCap size_player_cap(std::size_t configured, std::optional<std::uint64_t> memory_limit);

// The limit in a cgroup file (v2 memory.max or v1 memory.limit_in_bytes): nullopt for "max",
// text that is not a number, 0, or a value too large to be a real limit (v1 writes ~2^63 for
// "no limit").
std::optional<std::uint64_t> parse_cgroup_memory_limit(std::string_view text);

}  // namespace streampulse::core
