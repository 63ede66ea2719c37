#pragma once
// Raw HTTP over a real socket and the real binary in a child process, for http_rules_test.cpp.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace streampulse::testing {

// Sends `bytes`, closes the sending side, and returns everything the server sent until it
// closed (or `wait` passed).
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds wait = std::chrono::seconds(10));

// The status codes of the responses in `raw`, in order (0 for a broken one, then no more).
std::vector<unsigned> statuses_in(const std::string& raw);

// The real binary, `serve` with `args`, stdout and stderr into `log_path`; RLIMIT_NOFILE set to
// `max_files` when non-zero. Waits until /healthz answers.
struct Child {
  pid_t pid = -1;  // -1 once reaped
  unsigned short port = 0;
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& o) noexcept : pid(std::exchange(o.pid, -1)), port(o.port) {}
  ~Child();  // a test that failed half-way leaves no server behind: SIGKILL
};
Child start_binary(const std::vector<std::string>& args, const std::string& log_path,
                   unsigned max_files = 0);

// SIGTERM, then the exit status (-1: did not exit normally within `wait`; then it is killed).
int stop_binary(Child& child, std::chrono::milliseconds wait = std::chrono::seconds(10));

// User plus system CPU time of a process, from /proc.
std::chrono::milliseconds cpu_time(pid_t pid);

}  // namespace streampulse::testing
