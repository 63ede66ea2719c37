#pragma once
// The memory limit the container runs under, and the cap on players sized from it.
#include "streampulse/config/config.hpp"
#include "streampulse/core/player_cap.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>

namespace streampulse::service {

// The cgroup memory limit in bytes: v2 `memory.max`, else v1 `memory/memory.limit_in_bytes`
// under `root`; nullopt when neither file names a real limit.
std::optional<std::uint64_t> cgroup_memory_limit(
    const std::filesystem::path& root = "/sys/fs/cgroup");

// Config::max_players, or (0) the cap sized from the cgroup limit (core::size_player_cap);
// logs the cap and how it was chosen.
core::PlayerCap choose_player_cap(const config::Config& c);

}  // namespace streampulse::service
