#pragma once
// The audience index: every tracked player's latest figures, with running totals kept as
// heartbeats arrive, so the dashboard never walks or re-parses the players (O(distinct agent
// names) per dashboard request, whatever the number of players).
#include "streampulse/core/heartbeat.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace streampulse::core {

// One distribution (browsers, devices or os): lower-cased names with player counts. The number of
// distinct names is bounded; names beyond the bound count as "other".
class Distribution {
 public:
  explicit Distribution(std::size_t max_names) : max_names_(max_names) {}
  std::uint16_t add(std::string_view name);  // returns the name's id
  void remove(std::uint16_t id);
  std::map<std::string, std::uint64_t> counts() const;  // names with a count above zero

 private:
  // Transparent hashing: a lookup by string_view allocates nothing (this runs per heartbeat).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t max_names_;
  std::unordered_map<std::string, std::uint16_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
  std::vector<std::uint64_t> counts_;
};

struct AudienceTotals {
  std::uint64_t players = 0;
  double play_time_sum = 0;
  double bitrate_sum = 0;
  double bitrate_min = 0;  // meaningful only when players > 0
  double bitrate_max = 0;
  std::map<std::string, std::uint64_t> browsers, devices, os;
};

class AudienceIndex {
 public:
  static constexpr std::size_t kMaxDistinctNames = 1000;

  AudienceIndex();
  // Replaces the player's previous figures with the heartbeat's.
  void upsert(const Heartbeat& hb);
  void remove(std::string_view player_id);
  bool contains(std::string_view player_id) const;
  std::size_t size() const { return players_.size(); }
  AudienceTotals totals() const;

 private:
  // Figures kept per player. Sums use fixed point (1/1000) so adding and removing a player
  // never lets floating-point error build up.
  struct Player {
    std::int64_t bitrate_milli;
    std::int64_t play_time_milli;
    std::uint16_t os, browser, device;
  };
  void subtract(const Player& p);

  std::unordered_map<std::string, Player> players_;
  std::int64_t bitrate_sum_milli_ = 0;
  std::int64_t play_time_sum_milli_ = 0;
  std::map<std::int64_t, std::uint32_t> bitrates_;  // bitrate -> players, for min and max
  Distribution os_, browsers_, devices_;
};

}  // namespace streampulse::core
