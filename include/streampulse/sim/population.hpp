#pragma once
// Synthetic players: ids, user agents and bitrates drawn from a realistic mix. Pure functions
// of a seeded std::mt19937_64 and the time passed in, so tests are deterministic.
#include "streampulse/core/clock.hpp"

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::sim {

struct Agent {
  std::string os;       // Windows, macOS, Android, iOS, Linux
  std::string browser;  // Google Chrome, Safari, Firefox, Microsoft Edge, Samsung Internet, Opera
  std::string device;   // Desktop, Mobile, Tablet
};

struct Player {
  std::string id;  // "sim-" + 10 base-36 characters
  Agent agent;
  std::size_t level = 0;  // index into kBitrateLadderKbps
  core::EpochMs started_ms = 0;
  int initial_play_time_s = 0;  // seconds watched before the simulation started
};

// The rendition ladder, in kbps.
inline constexpr int kBitrateLadderKbps[] = {800, 1500, 2800, 5000};

// The contract's playerId rule: 1 to 64 characters of A-Z a-z 0-9 _ -.
bool is_valid_player_id(std::string_view id);

Agent random_agent(std::mt19937_64& rng);
Player make_player(std::mt19937_64& rng, core::EpochMs now_ms);
// N players with distinct ids.
std::vector<Player> make_population(std::size_t n, std::mt19937_64& rng, core::EpochMs now_ms);

int bitrate_kbps(const Player& p);
// Whole seconds played at `now_ms`; grows with elapsed time.
int play_time_s(const Player& p, core::EpochMs now_ms);
// Called once per heartbeat: now and then the player's ABR moves one level up or down.
void maybe_switch_bitrate(Player& p, std::mt19937_64& rng);

// {"playerId","bitrate","playTime","agent":{"os","browser","device"}}, the contract's heartbeat.
std::string heartbeat_json(const Player& p, core::EpochMs now_ms);

}  // namespace streampulse::sim
