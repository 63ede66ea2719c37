#pragma once
// Counters the service keeps about itself, exposed on /metrics.
#include "streampulse/app/latency_histogram.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace streampulse::app {

struct Stats {
  std::uint64_t heartbeats_accepted = 0;
  std::uint64_t heartbeats_invalid = 0;
  std::uint64_t heartbeats_failed = 0;     // valid, but the store refused or was down
  std::uint64_t heartbeats_duplicate = 0;  // seen already (webhook and subscription both on)
  std::uint64_t webhooks_unauthorized = 0;
  std::uint64_t webhooks_stale = 0;
  std::uint64_t count_publishes = 0;
  std::uint64_t count_publish_errors = 0;
  std::uint64_t last_published_count = 0;
  std::uint64_t players_pruned = 0;
  // Requests by route class ("heartbeat", "dashboard", ...: a fixed set) and status.
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests;
  LatencyHistogram request_latency;    // handler time, by the route wrapper (api/routes.cpp)
  LatencyHistogram heartbeat_latency;  // HeartbeatPipeline::accept: validation and recording
  // Invalid heartbeats by the field named in the refusal (field names are a fixed set).
  std::map<std::string, std::uint64_t> heartbeats_invalid_by_field;
  std::uint64_t cmcd_reports_accepted = 0;
  std::uint64_t cmcd_reports_invalid = 0;
  std::uint64_t dashboard_streams_refused = 0;  // beyond the bound on open streams
  std::uint64_t dashboard_feed_errors = 0;      // ticks whose dashboard the backend failed
};

}  // namespace streampulse::app
