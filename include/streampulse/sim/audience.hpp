#pragma once
// `streampulse simulate` in topics mode: a real audience. Each viewer behaves as the player
// page (static/player.js) does: GET {target}/api/player-config once (its own playerId and
// token), then a heartbeat POST to {topics.baseUrl}/topics/{cache}/{heartbeatTopic} every
// interval (re-armed when the previous one settled) on one keep-alive connection, and, when
// subscribed, a long-poll GET of the count topic on a second one. Refusals (429, 503, a refused
// connection) back off as the page does (sim/backoff.hpp). Everything runs on one thread (one
// io_context); timers go through one scheduler (src/sim/scheduler.hpp), whose lateness is the
// simulator's event-loop lag.
#include "streampulse/sim/audience_ledger.hpp"
#include "streampulse/sim/simulator.hpp"
#include "streampulse/sim/targets.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace streampulse::sim {

struct AudienceOptions {
  std::vector<Target> targets;
  std::size_t players = 100;
  // --streams N: viewers spread over the catalog's streams sim-1 .. sim-N with a Zipf-like skew
  // (sim/stream_spread.hpp), each checked against its own stream's audience; 0: no streamId
  // (the default stream), as before.
  std::size_t streams = 0;
  double stream_skew = 1.0;
  std::int64_t interval_ms = 0;  // 0: the configuration's heartbeatIntervalMs, as the page
  double duration_s = 0;         // 0: until SIGINT/SIGTERM
  bool subscribe = true;
  std::int64_t churn_every_ms = 0;  // 0: no churn
  double report_every_s = 5;
  std::int64_t active_window_ms = 1500;
  double warmup_s = 5;
  std::size_t sample_size = 500;
  std::uint64_t seed = 0;
  bool expect_exact = false;
  std::string json_path;  // "" none, "-" stdout
  // Against a loopback target, each viewer connects from its own address of 127.0.0.0/8
  // (127.1.0.1, 127.1.0.2, ...), as real viewers come from their own: the service's
  // per-address bounds (tokens, long-polls per client) then see N viewers, not one client.
  bool own_addresses = true;
};

// Requests of one kind (heartbeats, configurations, polls).
struct RequestCounters {
  std::uint64_t sent = 0, ok = 0, refused = 0, failed = 0, aborted = 0;
  std::map<std::string, std::uint64_t> refusals;  // by status, "429"
  std::map<std::string, std::uint64_t> failures;  // by reason, "HTTP 500", "timeout"
  LatencyHistogram latency;                       // the whole run, the arrival included
  LatencyHistogram steady_latency;                // past the warm-up (--warmup)
  double max_ms = 0, steady_max_ms = 0;
  void latency_ms(double ms, bool warmed_up);
  void refuse(unsigned status);
  void fail(const std::string& reason);  // at most 32 reasons, then "other"
};

struct AudienceFigures {
  RequestCounters heartbeats, configs, polls;
  std::uint64_t poll_timeouts = 0;  // our own 90 s long-poll deadline: re-issued at once
  std::uint64_t joined = 0, left = 0;
  LatencyHistogram lag;         // how late the simulator's timers fired, the whole run
  LatencyHistogram steady_lag;  // the same past the warm-up
  double lag_max_ms = 0;
  double cpu_s = 0, wall_s = 0;  // the simulator's own CPU time (getrusage), run time
  std::size_t open_file_limit = 0;
  // Snapshots of the ledger's totals, for the progress lines' rates.
  std::uint64_t deliveries = 0, publishes = 0;
  double viewer_seconds = 0;
};

// Runs the audience to the end and prints the report (stderr; JSON where json_path says).
// Returns 0, or 1 when --expect-exact found a difference (printing why).
int run_audience(const AudienceOptions& options, std::size_t open_file_limit);

// The report: human text (progress lines and the summary) and the final JSON object.
struct ReportInput {
  const AudienceOptions& options;
  const AudienceFigures& figures;
  const AudienceLedger& ledger;
  std::size_t watching = 0;
};
std::string progress_line(const ReportInput& in, const AudienceFigures& previous,
                          double interval_s);
std::string summary_text(const ReportInput& in);
std::string report_json(const ReportInput& in, const std::vector<std::string>& exact_failures);
// --expect-exact: why the run is not exact (empty: it is): heartbeats failed or refused,
// configurations failed or refused, viewers missing at the end, steady samples that differ.
std::vector<std::string> exactness_failures(const ReportInput& in);

}  // namespace streampulse::sim
