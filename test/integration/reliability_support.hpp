#pragma once
// Helpers of the hostile-client, access and backend-fault tests: raw sockets with deadlines, the
// process's file-descriptor limit, child processes (the real binary, the fake Momento binary)
// with their output in a file, and /proc figures of a process.
#include "poll_until.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace streampulse::testing {

// Polls `condition` every 20 ms until it holds or `within` passes.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds within = std::chrono::milliseconds(5000)) {
  return poll_until(std::move(condition), within);
}

boost::asio::ip::tcp::socket connect_raw(boost::asio::io_context& ioc, unsigned short port);

// Writes `bytes` without waiting (MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE).
// False when the peer is gone or the buffer is full.
bool send_now(boost::asio::ip::tcp::socket& s, std::string_view bytes);

struct Drained {
  std::string bytes;    // what arrived
  bool closed = false;  // the peer closed (EOF or reset) before the deadline
};
// Reads until the peer closes or `within` passes.
Drained read_until_closed(boost::asio::ip::tcp::socket& s, std::chrono::milliseconds within);

// True when the socket has something to read now (data, EOF or an error).
bool readable_now(boost::asio::ip::tcp::socket& s);

// Raises the soft RLIMIT_NOFILE to at least `needed`; false (with the reason) when the hard
// limit is lower.
bool ensure_fd_limit(std::uint64_t needed, std::string& why);

// A loopback port that was free a moment ago.
unsigned short free_port();

// The value of a Prometheus sample line `name value` in /metrics of the service at `port`.
double metric(unsigned short port, const std::string& name);

// Resident memory (VmRSS, KiB) and open file descriptors of a process; 0 / -1 if unknown.
std::uint64_t vm_rss_kib(pid_t pid);
int open_fds(pid_t pid);

// A child process, its stdout and stderr appended to one file. Killed (SIGKILL) and reaped on
// destruction if still running.
class ChildProcess {
 public:
  ChildProcess(const std::string& binary, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& extra_env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM, then waits up to `grace` before SIGKILL; the exit status (waitpid's), or -1.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  std::string output() const;  // everything written so far
  const std::string& output_file() const { return output_file_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;
  std::string output_file_;
};

// Waits until GET /healthz on `port` answers 200 (or `within` passes).
bool wait_healthy(unsigned short port,
                  std::chrono::milliseconds within = std::chrono::milliseconds(10000));

}  // namespace streampulse::testing
