#pragma once
// The process's own figures for /metrics (the standard process_* names): CPU from getrusage,
// memory and start time from /proc/self/stat, descriptors from /proc/self/fd and getrlimit.
// A figure the system does not give (no /proc) is absent, never 0.
#include <cstdint>
#include <optional>

namespace streampulse::service {

struct ProcessMetrics {
  double cpu_seconds = 0;  // user + system
  std::optional<std::uint64_t> resident_memory_bytes;
  std::optional<std::uint64_t> virtual_memory_bytes;
  std::optional<std::uint64_t> open_fds;
  std::optional<std::uint64_t> max_fds;      // the soft limit; absent when unlimited
  std::optional<double> start_time_seconds;  // Unix time
};

// Cheap (a few small /proc reads): meant to be called per scrape.
ProcessMetrics read_process_metrics();

}  // namespace streampulse::service
