#pragma once
// One path for every heartbeat, whichever way it arrived (webhook or topic): validate, then
// run the registry's actions. Invalid input changes no state.
#include "streampulse/app/stats.hpp"
#include "streampulse/core/viewer_registry.hpp"

namespace streampulse::app {

struct HeartbeatOutcome {
  enum class Kind { accepted, invalid, failed } kind = Kind::accepted;
  core::InvalidHeartbeat problem;   // for invalid
  boost::system::error_code error;  // for failed
};

class HeartbeatPipeline {
 public:
  HeartbeatPipeline(core::ViewerRegistry& registry, Stats& stats)
      : registry_(registry), stats_(stats) {}

  store::awaitable<HeartbeatOutcome> accept(std::string_view text);

 private:
  core::ViewerRegistry& registry_;
  Stats& stats_;
};

}  // namespace streampulse::app
