#pragma once
// `streampulse simulate --webhook URL`: the Simulator (sim/simulator.hpp) posting signed
// Momento webhook events through a pool of --connections connections; output on stdout.
#include "streampulse/sim/simulator.hpp"

#include <string>

namespace streampulse::cli {

int run_webhook_simulation(const sim::SimulatorOptions& options, const sim::WebhookTarget& target);

}  // namespace streampulse::cli
