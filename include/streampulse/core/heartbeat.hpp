#pragma once
// The heartbeat a player publishes every heartbeatIntervalMs, and its validation rules
// (docs/formats.md, "The heartbeat"). Parsing never throws: a bad heartbeat is a value that names
// the offending field.
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace streampulse::core {

struct Agent {
  std::string os;
  std::string browser;
  std::string device;
};

enum class PlayState : std::uint8_t { unknown, playing, paused, buffering };

// What a stored record carries beyond a heartbeat: the player's time-weighted bitrate so far
// (never sent by players; see to_analytics_json).
struct BitrateHistory {
  double kbps_seconds = 0;  // sum of bitrate x seconds played at it
  double seconds = 0;
};

struct Heartbeat {
  std::string player_id;
  // The stream watched (`streamId`, issue 15): empty when the heartbeat names none (the default
  // stream's); the audience resolves it against the catalog (core/stream_ids.hpp).
  std::string stream_id;
  // The browser profile's long-lived id (`viewerId`, optional): the views (player ids) of one
  // viewer share it, for unique-viewer figures. Empty: the player counts as its own viewer.
  std::string viewer_id;
  double bitrate = 0;    // kbps
  double play_time = 0;  // seconds
  std::optional<Agent> agent;
  // Viewing quality, each optional (absent: the player did not say; never read as 0). Each is
  // described by a row of kQualityFields (core/quality_fields.hpp), which drives its parsing,
  // stored record, running totals and dashboard figures.
  std::optional<double> startup_ms;             // play request to first frame
  std::optional<std::uint32_t> rebuffer_count;  // stalls since the last heartbeat (a delta)
  std::optional<double> rebuffer_ms;            // stalled time since the last heartbeat (a delta)
  std::optional<std::uint32_t> errors;   // playback errors since the last heartbeat (a delta)
  std::optional<double> throughput_bps;  // measured (hls.js bandwidth estimate)
  std::optional<std::uint64_t> dropped_frames;  // total since the page loaded (not a delta)
  PlayState state = PlayState::unknown;
  std::optional<BitrateHistory> bitrate_history;  // stored records only
};

struct InvalidHeartbeat {
  std::string field;    // "playerId", "bitrate", "agent.os", ... or "" for the whole body
  std::string message;  // for a person
};

// The quality fields of Heartbeat: the rows of kQualityFields.
inline constexpr std::size_t kQualityFieldCount = 6;

inline constexpr std::size_t kMaxPlayerIdLength = 64;
inline constexpr std::size_t kMaxAgentFieldLength = 64;
inline constexpr double kMaxBitrate = 1e6;
inline constexpr double kMaxPlayTime = 1e7;
inline constexpr double kMaxStartupMs = 600'000;      // 10 minutes
inline constexpr double kMaxRebufferCount = 100'000;  // per heartbeat
inline constexpr double kMaxRebufferMs = 3'600'000;   // per heartbeat: an hour
inline constexpr double kMaxErrors = 100'000;         // per heartbeat
inline constexpr double kMaxThroughputBps = 1e11;     // 100 Gbit/s
inline constexpr double kMaxDroppedFrames = 1e9;

std::string_view to_string(PlayState s);  // "playing", "paused", "buffering" ("" for unknown)

bool is_valid_player_id(std::string_view id);

boost::system::result<Heartbeat, InvalidHeartbeat> parse_heartbeat(std::string_view json);

// The value stored per player in the `analytics` dictionary: {"bitrate","playTime","agent"},
// as the original demo stored it, plus the quality fields present. Give it the player's
// accumulated figures (AudienceIndex::accumulated), not the heartbeat's deltas: reading the
// record back into an empty index then restores the totals.
std::string to_analytics_json(const Heartbeat& hb);

// Reads back a dictionary value written by to_analytics_json (or by the original demo).
boost::system::result<Heartbeat, InvalidHeartbeat> parse_analytics_json(std::string_view player_id,
                                                                        std::string_view json);

}  // namespace streampulse::core
