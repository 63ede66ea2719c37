#pragma once
// One path for every heartbeat, whichever way it arrived (webhook or topic): validate, then
// run the registry's actions. Invalid input changes no state. Runs on the state loop.
#include "streampulse/app/stats.hpp"
#include "streampulse/core/recent_messages.hpp"
#include "streampulse/core/viewer_registry.hpp"

#include <chrono>

namespace streampulse::app {

struct HeartbeatOutcome {
  // refused: a bound said no (errc::too_many_players: a new player past the cap); nothing
  // changed.
  enum class Kind { accepted, duplicate, invalid, failed, refused } kind = Kind::accepted;
  core::InvalidHeartbeat problem;   // for invalid
  boost::system::error_code error;  // for failed and refused
};

class HeartbeatPipeline {
 public:
  // deduplicate: remember recent topic messages, for when each arrives twice (webhook and
  // subscription both on).
  HeartbeatPipeline(core::ViewerRegistry& registry, Stats& stats, bool deduplicate = false)
      : registry_(registry), stats_(stats), deduplicate_(deduplicate) {}

  store::awaitable<HeartbeatOutcome> accept(std::string_view text);

  // A heartbeat that came as a topic message (by webhook or by subscription): with
  // deduplication on, a message already seen is acknowledged as `duplicate` and not recorded.
  store::awaitable<HeartbeatOutcome> accept_message(std::uint64_t sequence_number,
                                                    std::string_view text);

  // accept_message for a heartbeat already parsed (core::parse_heartbeat(text)), which the
  // webhook does on the connection's thread.
  using Parsed = boost::system::result<core::Heartbeat, core::InvalidHeartbeat>;
  store::awaitable<HeartbeatOutcome> accept_parsed_message(std::uint64_t sequence_number,
                                                           std::string_view text, Parsed parsed);

 private:
  core::ViewerRegistry& registry_;
  Stats& stats_;
  bool deduplicate_;
  store::awaitable<HeartbeatOutcome> record(Parsed parsed,
                                            std::chrono::steady_clock::time_point started);

  core::RecentMessages recent_;
};

}  // namespace streampulse::app
