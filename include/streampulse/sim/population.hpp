#pragma once
// Synthetic players: ids, user agents and bitrates drawn from a realistic mix. Pure functions
// of a seeded std::mt19937_64 and the time passed in, so tests are deterministic.
#include "streampulse/core/clock.hpp"

#include <cstddef>
#include <cstdint>
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

// What the player page reports about its playback (docs/api.md, "Heartbeat: viewing-quality
// fields"), drawn for each synthetic player so that a load test fills the whole dashboard.
struct PlaybackQuality {
  double startup_ms = 0;             // play request to first frame
  bool failed_start = false;         // its first try failed (reported, then retried)
  std::uint64_t heartbeats = 0;      // sent so far
  std::uint64_t dropped_frames = 0;  // total since the page loaded
};

struct Player {
  std::string id;  // "sim-" + 10 base-36 characters
  Agent agent;
  std::size_t level = 0;  // index into kBitrateLadderKbps
  core::EpochMs started_ms = 0;
  int initial_play_time_s = 0;  // seconds watched before the simulation started
  PlaybackQuality quality;
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

// Appends the quality fields of the player's next heartbeat to a JSON object being written
// (",\"startupMs\":...,\"state\":..."), as the page sends them: the startup time, the state,
// stalls now and then (rebufferCount, rebufferMs), the measured throughput, dropped frames, and
// rarely an error; about 2 % of players report a failed first try (errors 1, not yet playing).
void append_quality_fields(std::string& body, Player& p, std::mt19937_64& rng);

// {"playerId","bitrate","playTime","agent":{"os","browser","device"}}, the contract's heartbeat.
std::string heartbeat_json(const Player& p, core::EpochMs now_ms);

}  // namespace streampulse::sim
