#include "streampulse/service/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace streampulse::service {

namespace {

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// Boot time (Unix seconds) from /proc/stat's `btime`: /proc/self/stat gives the start in clock
// ticks since boot.
std::optional<double> boot_time() {
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

// /proc/self/stat's fields after the command name (which may hold spaces and parentheses,
// hence the last ')'); the first one returned is field 3, `state`.
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(text.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

}  // namespace

ProcessMetrics read_process_metrics() {
  ProcessMetrics p;
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0)
    p.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);

  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    p.max_fds = limit.rlim_cur;

  std::error_code ec;
  std::uint64_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++fds;
  if (!ec) p.open_fds = fds > 0 ? fds - 1 : 0;  // less the iterator's own descriptor

  // Fields 22 (starttime, ticks), 23 (vsize, bytes), 24 (rss, pages): indexes 19 to 21 here.
  const auto f = stat_fields();
  if (f.size() > 21) {
    try {
      p.virtual_memory_bytes = std::stoull(f[20]);
      p.resident_memory_bytes =
          std::stoull(f[21]) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
      const auto ticks = sysconf(_SC_CLK_TCK);
      if (const auto boot = boot_time(); boot && ticks > 0)
        p.start_time_seconds = *boot + std::stod(f[19]) / static_cast<double>(ticks);
    } catch (const std::exception&) {
      // a /proc we cannot read: the figures stay absent
    }
  }
  return p;
}

}  // namespace streampulse::service
