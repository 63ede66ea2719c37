#pragma once
// The dashboard metrics of contract.md and their JSON form.
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/clock.hpp"

#include <optional>

namespace streampulse::core {

struct DashboardMetrics {
  std::uint64_t active = 0;
  std::uint64_t total = 0;
  double play_time_total = 0;
  std::optional<double> play_time_average;  // null with no players
  std::optional<double> bitrate_min, bitrate_max, bitrate_average;
  std::map<std::string, std::uint64_t> browsers, devices, os;
  EpochMs generated_at = 0;
};

DashboardMetrics make_dashboard(const AudienceTotals& totals, std::uint64_t active, EpochMs now);

// The dashboard JSON of contract.md.
std::string to_json_text(const DashboardMetrics& m);

}  // namespace streampulse::core
