#pragma once
// `streampulse simulate`: synthetic players sending real heartbeats to a running service, over
// the Topics HTTP API (default) or as signed webhook events (--webhook).

namespace streampulse::cli {

// argv excludes the word "simulate": argv[0] is the program, then the options.
// Returns 0 when some heartbeat was accepted and at most 1% failed, 1 otherwise, 2 on bad usage.
int run_simulate_command(int argc, char** argv);

}  // namespace streampulse::cli
