#pragma once
// The dashboard metrics and their JSON form (docs/formats.md, "The dashboard JSON").
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/clock.hpp"

#include <optional>

namespace streampulse::core {

// The "quality" object of the dashboard (docs/api.md). nullopt: nobody reported it.
struct QualityMetrics {
  StateWindow::Counts states;               // active players by reported state
  std::optional<double> buffer_rate;        // buffering / active players reporting a state
  std::optional<double> rebuffer_ratio;     // stalled time / (play time + stalled time)
  std::optional<double> zero_buffer_share;  // players that never stalled / players reporting
  std::optional<std::uint64_t> rebuffer_count;
  std::optional<double> rebuffer_ms;
  std::optional<double> startup_p50, startup_p95;
  std::optional<double> bitrate_time_weighted, bitrate_p50, bitrate_p95;
  std::optional<double> throughput_p50, throughput_p95;
  std::optional<std::uint64_t> errors;
  std::optional<std::uint64_t> dropped_frames;
  // How many players each figure is computed from ("n of N reporting"): "reporting" in the JSON.
  std::uint64_t players = 0;  // N: players within the retention
  std::uint64_t states_reporting = 0, rebuffer_reporting = 0, startup_reporting = 0,
                bitrate_reporting = 0, throughput_reporting = 0, errors_reporting = 0,
                dropped_reporting = 0;
};

QualityMetrics make_quality(const QualityTotals& q, std::uint64_t players = 0);

// The figures of the players active now ("now" in the JSON, docs/formats.md).
struct NowMetrics {
  std::uint64_t players = 0;
  double play_time_total = 0;
  std::optional<double> play_time_average;
  std::optional<double> bitrate_min, bitrate_max, bitrate_average;
  std::map<std::string, std::uint64_t> browsers, devices, os;
};

struct DashboardMetrics {
  std::uint64_t active = 0;
  std::uint64_t total = 0;
  // Unique viewers (browser profiles) among the active and the tracked players: "viewers".
  std::uint64_t viewers_active = 0, viewers_total = 0;
  double play_time_total = 0;
  std::optional<double> play_time_average;  // null with no players
  std::optional<double> bitrate_min, bitrate_max, bitrate_average;
  std::map<std::string, std::uint64_t> browsers, devices, os;
  std::map<std::string, std::string> browser_labels, device_labels, os_labels;  // "agentNames"
  NowMetrics now;
  QualityMetrics quality;
  EpochMs active_window_ms = 0, retention_ms = 0;  // "windows"; 0: not known (not written)
  EpochMs generated_at = 0;
};

DashboardMetrics make_dashboard(const AudienceTotals& totals, std::uint64_t active, EpochMs now);

// The dashboard JSON of docs/formats.md, with the optional "quality" object of docs/api.md.
std::string to_json_text(const DashboardMetrics& m);
// The "quality" object alone.
void append_quality_json(std::string& out, const QualityMetrics& q);

}  // namespace streampulse::core
