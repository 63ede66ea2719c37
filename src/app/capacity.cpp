#include "streampulse/app/capacity.hpp"

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace streampulse::app {

Capacity size_capacity(std::size_t max_connections, std::size_t max_long_polls,
                       std::uint64_t open_files) {
  Capacity c;
  c.open_files = open_files;
  // A tiny limit keeps half for connections rather than none.
  const std::uint64_t reserve = std::min(kReservedFiles, open_files / 2);
  const std::uint64_t from_limit =
      std::clamp<std::uint64_t>(open_files - reserve, 1, kMostConnectionsFromLimit);
  c.connections_from_limit = max_connections == 0;
  c.connections = c.connections_from_limit ? static_cast<std::size_t>(from_limit) : max_connections;
  c.connections_above_limit = !c.connections_from_limit && max_connections > from_limit;
  c.long_polls_from_limit = max_long_polls == 0;
  c.long_polls =
      c.long_polls_from_limit ? std::max<std::size_t>(1, c.connections / 2) : max_long_polls;
  c.viewers = std::min(c.connections / 2, c.long_polls);
  return c;
}

OpenFileLimit raise_open_file_limit() {
  OpenFileLimit out;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    out.problem = std::string("getrlimit: ") + std::strerror(errno);
    out.soft = out.hard = 1024;  // what Linux starts a process with
    return out;
  }
  // Unlimited is not a number the kernel takes for open files (it is bounded by nr_open).
  const rlim_t most = static_cast<rlim_t>(kMostConnectionsFromLimit + kReservedFiles);
  const rlim_t target = rl.rlim_max == RLIM_INFINITY ? most : rl.rlim_max;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < target) {
    rlimit raised = rl;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      rl = raised;
      out.raised = true;
    } else {
      out.problem = std::string("setrlimit: ") + std::strerror(errno);
    }
  }
  auto number = [most](rlim_t v) {
    return static_cast<std::uint64_t>(v == RLIM_INFINITY ? most : v);
  };
  out.soft = number(rl.rlim_cur);
  out.hard = number(rl.rlim_max);
  return out;
}

CapacityReport apply_capacity(Config& c) {
  CapacityReport r;
  r.limit = raise_open_file_limit();
  r.capacity = size_capacity(c.max_connections, c.max_long_polls, r.limit.soft);
  c.max_connections = r.capacity.connections;
  c.max_long_polls = r.capacity.long_polls;
  return r;
}

void log_capacity(const CapacityReport& r) {
  const auto& cap = r.capacity;
  if (!r.limit.problem.empty()) {
    spdlog::warn("could not raise the open-file limit to its hard limit ({}): {}", r.limit.hard,
                 r.limit.problem);
  }
  if (cap.connections_above_limit) {
    spdlog::warn(
        "--max-connections {} is above what the open-file limit {} allows: accepts will fail "
        "(too many open files) before the cap refuses cleanly; raise the limit (ulimit -n, "
        "compose ulimits, LimitNOFILE=) or lower the cap",
        cap.connections, cap.open_files);
  }
  spdlog::info(
      "capacity: {} connections{}, {} long-polls{}, about {} viewers (open-file limit {}{})",
      cap.connections, cap.connections_from_limit ? "" : " (configured)", cap.long_polls,
      cap.long_polls_from_limit ? "" : " (configured)", cap.viewers, cap.open_files,
      r.limit.raised ? ", raised to the hard limit" : "");
}

}  // namespace streampulse::app
