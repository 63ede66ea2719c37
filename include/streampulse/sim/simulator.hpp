#pragma once
// Runs synthetic players: each sends a heartbeat every interval (phases spread over the
// interval) through a Sender, with at most `max_in_flight` sends at a time. A player whose
// previous send is still pending when its next beat is due skips that beat (counted), so a slow
// target never builds an unbounded queue.
//
// Single-threaded: construct and run on one thread or on a strand. The Simulator must outlive
// run() (spawn_simulation() takes care of that).
#include "streampulse/sim/population.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace streampulse::net {
class HttpClient;
}

namespace streampulse::sim {

struct SendOutcome {
  bool ok = false;
  std::string reason;  // when not ok: "HTTP 503", "deadline exceeded", "Connection refused"...
};

class Sender {
 public:
  virtual ~Sender() = default;
  virtual boost::asio::awaitable<SendOutcome> send(std::string heartbeat_json) = 0;
  // Aborts sends in flight; called when the simulation is stopped.
  virtual void cancel() {}
};

struct WebhookTarget {
  std::string url;     // where to POST the events
  std::string secret;  // signing secret
  std::string cache = "video";
  std::string topic = "stream";
};

// POSTs each heartbeat wrapped in a signed Momento webhook event.
std::unique_ptr<Sender> make_webhook_sender(net::HttpClient& client, WebhookTarget target);
// Per simulated player: GETs {base_url}/api/player-config (its own token: one token, one
// player), then publishes to {topics.baseUrl}/topics/{cache}/{topic} with it; refreshes the
// configuration before it expires and after a 401.
std::unique_ptr<Sender> make_topics_sender(net::HttpClient& client, std::string base_url);
// Hands each heartbeat to a function (the service's own ingest); an exception is a failure.
using HeartbeatSink = std::function<boost::asio::awaitable<void>(std::string heartbeat_json)>;
std::unique_ptr<Sender> make_inprocess_sender(HeartbeatSink sink);

// Log-scale latency histogram (about 4% resolution): constant memory however long the run.
class LatencyHistogram {
 public:
  void record(std::chrono::microseconds d);
  double percentile_ms(double p) const;  // 0 when empty
  std::uint64_t count() const { return count_; }

 private:
  static constexpr std::size_t kBuckets = 512;
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
};

struct SimStats {
  std::uint64_t sent = 0;     // handed to the sender
  std::uint64_t ok = 0;       // 2xx
  std::uint64_t failed = 0;   // any other answer or error
  std::uint64_t skipped = 0;  // beats dropped because the previous send was still pending
  std::uint64_t aborted = 0;  // cut short by stop(); neither ok nor failed
  std::map<std::string, std::uint64_t> failures;  // by reason
  LatencyHistogram latency;
};

struct SimulatorOptions {
  std::size_t players = 100;
  std::chrono::milliseconds interval{750};
  std::chrono::milliseconds duration{0};  // 0: until stop()
  std::size_t max_in_flight = 16;
  std::uint64_t seed = 0;
};

class Simulator {
 public:
  Simulator(boost::asio::any_io_executor ex, SimulatorOptions options,
            std::unique_ptr<Sender> sender);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Runs until the duration has passed or stop() was called, then waits for sends in flight.
  boost::asio::awaitable<void> run();
  // Stops scheduling, drops queued sends and cancels those in flight. Idempotent.
  void stop();

  const SimStats& stats() const { return stats_; }
  const std::vector<Player>& players() const { return players_; }

 private:
  boost::asio::awaitable<void> send_one(std::size_t index);
  void record(const SendOutcome& out, std::chrono::microseconds latency);
  void finished_one();

  struct Gate;  // bounds sends in flight
  boost::asio::any_io_executor ex_;
  SimulatorOptions options_;
  std::unique_ptr<Sender> sender_;
  std::mt19937_64 rng_;
  std::vector<Player> players_;
  std::vector<bool> pending_;
  std::unique_ptr<Gate> gate_;
  boost::asio::steady_timer tick_;
  boost::asio::steady_timer drained_;
  std::size_t outstanding_ = 0;
  bool stopping_ = false;   // no new beats
  bool cancelled_ = false;  // stop() was called
  SimStats stats_;
};

// Starts a simulation on `ex` that keeps itself alive until it ends; `on_done` (optional) gets
// the final stats. The returned handle can stop() it early and read stats() meanwhile.
std::shared_ptr<Simulator> spawn_simulation(boost::asio::any_io_executor ex,
                                            SimulatorOptions options,
                                            std::unique_ptr<Sender> sender,
                                            std::function<void(const SimStats&)> on_done = {});

}  // namespace streampulse::sim
