#pragma once
// `streampulse simulate --streams N --create-streams --admin-token T`: puts the streams sim-1 ..
// sim-N in the target's catalog (PUT /api/streams/sim-K) before the viewers arrive. Blocking:
// runs before the audience starts.
#include <cstddef>
#include <string>

namespace streampulse::sim {

// `base`: the service's base URL (http://host:port). 0 when every stream was created or
// replaced; else 1, having printed why to stderr.
int create_sim_streams(const std::string& base, const std::string& admin_token,
                       std::size_t streams);

}  // namespace streampulse::sim
