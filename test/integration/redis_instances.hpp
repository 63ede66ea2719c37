#pragma once
// Real streampulse processes on the Redis backend and a simulated audience for them, shared by
// the multi-instance tests (redis_instances_test.cpp) and the Redis fault tests
// (redis_faults_*test.cpp): an instance, viewers heartbeating through the real HTTP publish
// path, long-polls of the count topic, and what the fault tests read of answers and logs.
#include "redis_server.hpp"
#include "reliability_support.hpp"
#include "test_server.hpp"

#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace streampulse::testing {

// One streampulse process on the Redis backend (one thread), with `extra_args` after the rest.
struct Instance {
  explicit Instance(const RedisServer& redis, const std::string& log_level = "warn",
                    const std::vector<std::string>& extra_args = {});
  // /healthz 200, then /readyz 200.
  bool ready();
  bool publisher();  // holds the count duty (/metrics)
  // /api/dashboard's "players": {"active": n, "total": n}.
  boost::json::value players();

  unsigned short port;
  std::unique_ptr<ChildProcess> process;
};

// A heartbeat of `player` (bitrate 1500, playTime `play_time`).
std::string hb(const std::string& player, int play_time);

// How often `needle` occurs in `text`.
std::size_t occurrences(const std::string& text, const std::string& needle);

// A viewer: its configuration from one instance, heartbeats published to another.
struct Viewer {
  ViewerConfig config;
  unsigned short publish_port = 0;
  HttpResult publish_result(int t) const;
  unsigned publish(int t) const { return publish_result(t).status; }
};

// One answered (or failed) request, as a client saw it.
struct Sample {
  std::chrono::steady_clock::time_point sent;
  std::chrono::milliseconds took{0};
  unsigned status = 0;  // 0: no answer (connection refused or reset, client deadline)
  std::string body;     // kept for answers other than 2xx
};

// Keeps `viewers` heartbeating every 500 ms until destroyed: on one thread, or spread over
// `threads` threads (a round of heartbeats may take a budget each while the backend is down).
// With `record`, every publish is kept as a Sample.
class Audience {
 public:
  explicit Audience(std::vector<Viewer>& viewers, unsigned threads = 1, bool record = false);
  ~Audience();
  Audience(const Audience&) = delete;
  Audience& operator=(const Audience&) = delete;
  void add(Viewer v);
  // The samples recorded so far (with `record`).
  std::vector<Sample> samples() const;
  std::atomic<int> failures{0};  // publishes not answered 204

 private:
  void run(unsigned slice);

  std::vector<Viewer>& viewers_;
  const unsigned threads_;
  const bool record_;
  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
  std::atomic<bool> running_{true};
  std::vector<std::thread> workers_;
};

struct Poll {
  unsigned status = 0;  // the answer's
  std::vector<std::uint64_t> numbers;
  std::vector<std::string> values;
  bool discontinuity = false;
  std::uint64_t next = 0, page = 0;
};

// One long-poll of the count topic at `port` from (next, page).
Poll poll_count(unsigned short port, const std::string& token, std::uint64_t next,
                std::uint64_t page);

// Milliseconds from `t` to now.
long long ms_since(std::chrono::steady_clock::time_point t);

// A JSON error answer: {"error": "<code>", "message": ...}; its code, or "" when it is not one.
std::string error_code(const std::string& body);

// The count topic's latest value at `port`, read by a new subscriber ("" when none).
std::string latest_count(unsigned short port, const std::string& token);

// Lines of the service's log at warn or error level ("<time> warning ...", "<time> error ...").
std::size_t loud_lines(const std::string& log);

}  // namespace streampulse::testing
