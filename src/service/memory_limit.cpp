#include "streampulse/service/memory_limit.hpp"

#include <spdlog/spdlog.h>

#include <fstream>

namespace streampulse::service {

namespace {

std::optional<std::uint64_t> read_limit(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string text;
  std::getline(in, text);
  return core::parse_cgroup_memory_limit(text);
}

}  // namespace

std::optional<std::uint64_t> cgroup_memory_limit(const std::filesystem::path& root) {
  if (auto v2 = read_limit(root / "memory.max")) return v2;
  return read_limit(root / "memory" / "memory.limit_in_bytes");
}

core::PlayerCap choose_player_cap(const config::Config& c) {
  auto cap = core::size_player_cap(c.max_players,
                                   c.max_players > 0 ? std::nullopt : cgroup_memory_limit());
  spdlog::info("players tracked at most: {} ({})", cap.max_players, cap.reason);
  return cap;
}

}  // namespace streampulse::service
