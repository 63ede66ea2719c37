#include "streampulse/core/dashboard.hpp"

#include "streampulse/core/json_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace streampulse::core {

DashboardMetrics make_dashboard(const AudienceTotals& totals, std::uint64_t active, EpochMs now) {
  DashboardMetrics m;
  m.total = totals.players;
  // The sorted set and the index are written together, but a player can be active in a set
  // that another instance filled before this one loaded it: never report more active than total.
  m.active = std::min(active, totals.players);
  m.play_time_total = totals.play_time_sum;
  if (totals.players > 0) {
    const double n = static_cast<double>(totals.players);
    m.play_time_average = totals.play_time_sum / n;
    m.bitrate_min = totals.bitrate_min;
    m.bitrate_max = totals.bitrate_max;
    m.bitrate_average = totals.bitrate_sum / n;
  }
  m.browsers = totals.browsers;
  m.devices = totals.devices;
  m.os = totals.os;
  m.generated_at = now;
  return m;
}

namespace {

void append_optional(std::string& out, const std::optional<double>& v) {
  if (v) {
    append_json_number(out, *v);
  } else {
    out += "null";
  }
}

void append_distribution(std::string& out, const std::map<std::string, std::uint64_t>& counts) {
  out += '{';
  bool first = true;
  for (const auto& [name, n] : counts) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    fmt::format_to(std::back_inserter(out), ":{}", n);
  }
  out += '}';
}

// Averages are rounded to 1/1000, the precision the index keeps.
std::optional<double> rounded(const std::optional<double>& v) {
  if (!v) return v;
  return std::round(*v * 1000.0) / 1000.0;
}

}  // namespace

std::string to_json_text(const DashboardMetrics& m) {
  std::string out;
  out.reserve(512);
  fmt::format_to(std::back_inserter(out),
                 R"({{"players":{{"active":{},"total":{}}},"playTime":{{"total":)", m.active,
                 m.total);
  append_json_number(out, m.play_time_total);
  out += R"(,"average":)";
  append_optional(out, rounded(m.play_time_average));
  out += R"(},"bitrates":{"min":)";
  append_optional(out, m.bitrate_min);
  out += R"(,"max":)";
  append_optional(out, m.bitrate_max);
  out += R"(,"average":)";
  append_optional(out, rounded(m.bitrate_average));
  out += R"(},"agents":{"browsers":)";
  append_distribution(out, m.browsers);
  out += R"(,"devices":)";
  append_distribution(out, m.devices);
  out += R"(,"os":)";
  append_distribution(out, m.os);
  fmt::format_to(std::back_inserter(out), R"(}},"generatedAt":{}}})", m.generated_at);
  return out;
}

}  // namespace streampulse::core
