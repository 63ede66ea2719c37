#pragma once
// The heartbeat a player publishes every heartbeatIntervalMs, and its validation rules
// (contract.md "The heartbeat"). Parsing never throws: a bad heartbeat is a value that names
// the offending field.
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace streampulse::core {

struct Agent {
  std::string os;
  std::string browser;
  std::string device;
};

struct Heartbeat {
  std::string player_id;
  double bitrate = 0;    // kbps
  double play_time = 0;  // seconds
  std::optional<Agent> agent;
};

struct InvalidHeartbeat {
  std::string field;    // "playerId", "bitrate", "agent.os", ... or "" for the whole body
  std::string message;  // for a person
};

inline constexpr std::size_t kMaxPlayerIdLength = 64;
inline constexpr std::size_t kMaxAgentFieldLength = 64;
inline constexpr double kMaxBitrate = 1e6;
inline constexpr double kMaxPlayTime = 1e7;

bool is_valid_player_id(std::string_view id);

boost::system::result<Heartbeat, InvalidHeartbeat> parse_heartbeat(std::string_view json);

// The value stored per player in the `analytics` dictionary: {"bitrate","playTime","agent"},
// as the original demo stored it.
std::string to_analytics_json(const Heartbeat& hb);

// Reads back a dictionary value written by to_analytics_json (or by the original demo).
boost::system::result<Heartbeat, InvalidHeartbeat> parse_analytics_json(std::string_view player_id,
                                                                        std::string_view json);

}  // namespace streampulse::core
