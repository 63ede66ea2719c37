#pragma once
// Counters the service keeps about itself, exposed on /metrics.
#include "streampulse/service/latency_histogram.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace streampulse::service {

// A counter bumped on any thread (the audience's shards run on every loop); relaxed: each is
// read alone, for /metrics.
using Counter = std::atomic<std::uint64_t>;

struct Stats {
  Counter heartbeats_accepted{0};
  Counter heartbeats_invalid{0};
  Counter heartbeats_failed{0};     // valid, but the store refused or was down
  Counter heartbeats_duplicate{0};  // seen already (webhook and subscription both on)
  Counter webhooks_unauthorized{0};
  Counter webhooks_stale{0};
  Counter count_publishes{0};
  Counter stream_count_publishes{0};           // viewerCount-<id> topics
  Counter stream_count_publishes_deferred{0};  // put off by their budget
  Counter streams_counted{0};                  // streams whose count is planned (a gauge)
  Counter count_publish_errors{0};
  // The count policy's figures (core/count_policy.hpp), copied by the publisher each wake.
  std::atomic<std::int64_t> count_min_interval_ms{0};  // time between publishes the budget allows
  Counter count_dips_held{0};    // decreases that never showed (settle, stall guard)
  Counter count_stalls{0};       // publisher wakes far later than planned
  Counter count_subscribers{0};  // waiting on the count topic at the last wake
  Counter players_pruned{0};
  // Per route class ("webhook", "dashboard", ...: a fixed set): answers by status and their
  // latency. Recorded by the route wrapper (api/routes.cpp) on every connection thread, so
  // behind a lock, like the other maps and histograms here; the counters are atomic.
  struct RequestStats {
    std::map<std::pair<std::string, unsigned>, std::uint64_t> counts;
    // Handler time per route class: a 30 s long-poll must not hide among 100 us heartbeats.
    // One fixed-size histogram per class, so bounded like the classes themselves.
    std::map<std::string, LatencyHistogram> latency;
  };
  void record_request(const std::string& route, unsigned status, double seconds) {
    std::lock_guard lock(request_mutex_);
    requests_.latency[route].observe(seconds);
    ++requests_.counts[std::make_pair(route, status)];
  }
  RequestStats requests() const {
    std::lock_guard lock(request_mutex_);
    return requests_;
  }
  // HeartbeatPipeline::accept: validation and recording.
  void observe_heartbeat(double seconds) {
    std::lock_guard lock(heartbeat_mutex_);
    heartbeat_latency_.observe(seconds);
  }
  LatencyHistogram heartbeat_latency() const {
    std::lock_guard lock(heartbeat_mutex_);
    return heartbeat_latency_;
  }
  // Invalid heartbeats by the field named in the refusal (field names are a fixed set).
  void count_invalid_field(const std::string& field) {
    std::lock_guard lock(heartbeat_mutex_);
    ++heartbeats_invalid_by_field_[field];
  }
  std::map<std::string, std::uint64_t> heartbeats_invalid_by_field() const {
    std::lock_guard lock(heartbeat_mutex_);
    return heartbeats_invalid_by_field_;
  }
  Counter cmcd_reports_accepted{0};
  Counter cmcd_reports_invalid{0};
  Counter dashboard_streams_refused{0};  // beyond the bound on open streams
  Counter dashboard_feed_errors{0};      // ticks whose dashboard the backend failed
  Counter accept_failures{0};            // failed accepts (EMFILE...), each followed by a pause
  // One token, one player (docs/security.md): viewer tokens refused, reports refused.
  Counter tokens_issued{0};
  Counter tokens_refused_rate{0};              // past the client's bucket (429)
  Counter tokens_refused_clients_full{0};      // every bucket busy (429)
  Counter reports_refused_player_mismatch{0};  // token bound to another player (403)
  Counter reports_refused_bindings_full{0};    // binding table full (503)
  Counter reports_refused_no_token{0};         // CMCD without a valid token (401)
  Counter reports_refused_media_type{0};       // CMCD not sent as JSON (415)
  Counter webhooks_replay_window_full{0};      // replay memory full (503)
  // Past the capacity (app/capacity.hpp), each answered with Retry-After. Atomic: the
  // connection cap is met on the accept loop, a long-poll refusal on the thread of its
  // connection's handler.
  std::atomic<std::uint64_t> connections_refused{0};  // past max_connections (503, closed)
  std::atomic<std::uint64_t> long_polls_refused{0};   // past max_long_polls (429)

 private:
  mutable std::mutex request_mutex_;
  RequestStats requests_;
  mutable std::mutex heartbeat_mutex_;
  LatencyHistogram heartbeat_latency_;
  std::map<std::string, std::uint64_t> heartbeats_invalid_by_field_;
};

}  // namespace streampulse::service
