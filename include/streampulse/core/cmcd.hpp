#pragma once
// Common Media Client Data (CTA-5004, v2 event mode, JSON) reports as a second way for a player
// to report: each report becomes a heartbeat of the same player (sid = playerId) and takes the
// heartbeat's path. Keys used (docs/api.md "CMCD"):
//   sid  session id -> playerId (required; the playerId rules)
//   br   encoded bitrate, kbps (a number, or a list whose first entry is used) -> bitrate
//   mtp  measured throughput, kbps -> throughputBps (x 1000)
//   bs   buffer starvation: true -> rebufferCount +1; false -> rebufferCount +0 (so the player
//        counts toward the zero-buffer share)
//   bsd  buffer starvation duration, ms -> rebufferMs (a delta)
//   sta  player state: p playing, a paused, r rebuffering -> state (other states: none)
//   e    event type: "e" (error) -> errors +1
//   df   dropped frames -> droppedFrames (a total)
// Validated but not used: v (1 or 2), bl (buffer length, ms), ts (time, ms), d, ot, sf, st, cid.
// Other keys are ignored. playTime and agent are the player's last known (0 and none at first);
// bitrate too when the report has no br.
#include "streampulse/core/heartbeat.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace streampulse::core {

struct CmcdReport {
  std::string sid;
  std::optional<double> br, mtp, bsd, df;
  std::optional<bool> bs;  // present, even false: the player reports starvation
  PlayState state = PlayState::unknown;
  bool error_event = false;
};

inline constexpr std::size_t kMaxCmcdReports = 100;  // per request

// One report object, or an array of them (at most kMaxCmcdReports). A problem names the key,
// prefixed with the report's index in an array ("[2].br").
boost::system::result<std::vector<CmcdReport>, InvalidHeartbeat> parse_cmcd(std::string_view json);

// The heartbeat JSON for a report, given the player's latest figures (nullopt: a new player).
std::string cmcd_heartbeat_json(const CmcdReport& report, const std::optional<Heartbeat>& latest);

}  // namespace streampulse::core
