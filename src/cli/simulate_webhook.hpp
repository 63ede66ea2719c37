#pragma once
// `streampulse simulate --webhook URL`: the Simulator (sim/simulator.hpp) posting signed
// Momento webhook events through a pool of --connections connections; output on stdout.
#include "streampulse/sim/simulator.hpp"

#include <string>

namespace streampulse::sim {

int run_webhook_simulation(const SimulatorOptions& options, const WebhookTarget& target);

}  // namespace streampulse::sim
