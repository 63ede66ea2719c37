#pragma once
// How many connections and long-polls one instance takes, from its open-file limit.
//
// Every connection is a file descriptor. Linux starts a process with a soft limit of 1024 open
// files (systemd, Docker and most shells too) while the hard limit is often far higher; a
// service sized for a big audience would then fail its accepts with EMFILE past ~1000
// connections. So at start the soft limit is raised to the hard limit (what nginx's
// worker_rlimit_nofile and Envoy do), and the caps the operator left at 0 are sized from it:
// connections = open files - a reserve for everything else (the listener, logs, the data
// directory's files, Momento's connections); long-polls = connections / 2, since a viewer's
// page holds two connections (the count long-poll and its heartbeat publishes). Past either cap
// a client gets a clear refusal with Retry-After (http/server.cpp, api/request_helpers.cpp),
// never a failed accept.
#include "streampulse/config/config.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace streampulse::app {

using config::Config;

// File descriptors kept for the process's own use out of the open-file limit.
inline constexpr std::uint64_t kReservedFiles = 64;
// Connections sized from the limit at most (an unlimited or huge hard limit).
inline constexpr std::uint64_t kMostConnectionsFromLimit = std::uint64_t{1} << 20;

struct Capacity {
  std::size_t connections = 0;
  std::size_t long_polls = 0;
  std::size_t viewers = 0;  // about: each holds two connections and one long-poll
  std::uint64_t open_files = 0;
  bool connections_from_limit = false;  // false: the operator's own number
  bool long_polls_from_limit = false;
  // The operator's connection cap is above what the open-file limit allows: accepts would
  // fail (EMFILE) before the cap refuses cleanly.
  bool connections_above_limit = false;
};

// Pure: the caps for an open-file limit; max_connections and max_long_polls as configured
// (0: sized from the limit).
Capacity size_capacity(std::size_t max_connections, std::size_t max_long_polls,
                       std::uint64_t open_files);

struct OpenFileLimit {
  std::uint64_t soft = 0, hard = 0;  // after the raise
  bool raised = false;               // the soft limit was raised at this call
  std::string problem;               // why it could not be raised (empty: no problem)
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit (capped at kMostConnectionsFromLimit
// plus the reserve when the hard limit is unlimited).
OpenFileLimit raise_open_file_limit();

struct CapacityReport {
  Capacity capacity;
  OpenFileLimit limit;
};

// Raises the limit, sizes the caps left at 0 and writes them into `c`. Logs nothing (it runs
// before the logger is set up): log_capacity does.
CapacityReport apply_capacity(Config& c);

// One line: "capacity: N connections, M long-polls, about K viewers (open-file limit L)", and
// a warning when the limit could not be raised or a configured cap is above it.
void log_capacity(const CapacityReport& report);

}  // namespace streampulse::app
