#include "streampulse/core/dashboard.hpp"

#include "streampulse/core/json_text.hpp"
#include "streampulse/core/quality_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace streampulse::core {

QualityMetrics make_quality(const QualityTotals& q, std::uint64_t players) {
  QualityMetrics m;
  m.states = q.states;
  m.players = players;
  m.states_reporting = q.states.reporting();
  m.bitrate_reporting = q.bitrate_reporters;
  // The quality fields (kQualityFields): a sum only when someone reported it.
  for_each_quality_field([&](const auto& field, std::size_t) {
    m.*field.reporting = q.*field.reporters;
    if (field.tally == Tally::percentiles) {
      m.*field.figure_p50 = q.*field.p50;
      m.*field.figure_p95 = q.*field.p95;
    } else if (q.*field.reporters > 0) {
      m.*field.figure = q.*field.total;
    }
  });
  if (q.states.reporting() > 0)
    m.buffer_rate =
        static_cast<double>(q.states.buffering) / static_cast<double>(q.states.reporting());
  if (q.rebuffer_reporters > 0) {
    m.zero_buffer_share =
        static_cast<double>(q.zero_buffer_players) / static_cast<double>(q.rebuffer_reporters);
    const double watched = q.reporters_play_ms + q.rebuffer_ms;
    if (watched > 0) m.rebuffer_ratio = q.rebuffer_ms / watched;
  }
  m.bitrate_time_weighted = q.bitrate_time_weighted;
  m.bitrate_p50 = q.bitrate_p50;
  m.bitrate_p95 = q.bitrate_p95;
  return m;
}

DashboardMetrics make_dashboard(const AudienceTotals& totals, std::uint64_t active, EpochMs now) {
  DashboardMetrics m;
  m.total = totals.players;
  // The sorted set and the index are written together, but a player can be active in a set
  // that another instance filled before this one loaded it: never report more active than total.
  m.active = std::min(active, totals.players);
  m.viewers_total = std::min(totals.viewers, totals.players);
  m.viewers_active = std::min(totals.now.viewers, m.active);
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
  m.browser_labels = totals.browser_labels;
  m.device_labels = totals.device_labels;
  m.os_labels = totals.os_labels;
  const NowTotals& n = totals.now;
  m.now.players = n.players;
  m.now.play_time_total = n.play_time_sum;
  if (n.players > 0) {
    const double k = static_cast<double>(n.players);
    m.now.play_time_average = n.play_time_sum / k;
    m.now.bitrate_min = n.bitrate_min;
    m.now.bitrate_max = n.bitrate_max;
    m.now.bitrate_average = n.bitrate_sum / k;
  }
  m.now.browsers = n.browsers;
  m.now.devices = n.devices;
  m.now.os = n.os;
  m.quality = make_quality(totals.quality, totals.players);
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

void append_labels(std::string& out, const std::map<std::string, std::string>& labels) {
  out += '{';
  bool first = true;
  for (const auto& [name, label] : labels) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_json_string(out, label);
  }
  out += '}';
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

std::optional<double> rounded_to(const std::optional<double>& v, double unit) {
  if (!v) return v;
  return std::round(*v / unit) * unit;
}

template <class T>
void append_count(std::string& out, const std::optional<T>& v) {
  if (v) {
    fmt::format_to(std::back_inserter(out), "{}", *v);
  } else {
    out += "null";
  }
}

// {"p50":..,"p95":..}, or null when nobody reported the figure.
void append_percentiles(std::string& out, const std::optional<double>& p50,
                        const std::optional<double>& p95) {
  if (!p50) {
    out += "null";
    return;
  }
  out += R"({"p50":)";
  append_optional(out, rounded(p50));
  out += R"(,"p95":)";
  append_optional(out, rounded(p95));
  out += '}';
}

}  // namespace

void append_quality_json(std::string& out, const QualityMetrics& q) {
  fmt::format_to(std::back_inserter(out),
                 R"({{"states":{{"playing":{},"paused":{},"buffering":{}}},"bufferRate":)",
                 q.states.playing, q.states.paused, q.states.buffering);
  append_optional(out, rounded_to(q.buffer_rate, 1e-4));
  out += R"(,"rebufferRatio":)";
  append_optional(out, rounded_to(q.rebuffer_ratio, 1e-6));
  out += R"(,"zeroBufferShare":)";
  append_optional(out, rounded_to(q.zero_buffer_share, 1e-4));
  // The quality fields by position, the bitrate in its place.
  bool bitrate_written = false;
  auto bitrate_before = [&](int position) {
    if (bitrate_written || position < kBitratePosition) return;
    bitrate_written = true;
    out += R"(,"bitrate":{"timeWeightedAverage":)";
    append_optional(out, rounded(q.bitrate_time_weighted));
    out += R"(,"p50":)";
    append_optional(out, rounded(q.bitrate_p50));
    out += R"(,"p95":)";
    append_optional(out, rounded(q.bitrate_p95));
    out += '}';
  };
  for_each_quality_field_by_position([&](const auto& field, std::size_t) {
    bitrate_before(field.position);
    out += ",\"";
    out += field.key;
    out += "\":";
    if (field.tally == Tally::percentiles) {
      append_percentiles(out, q.*field.figure_p50, q.*field.figure_p95);
    } else if constexpr (std::is_integral_v<
                             typename std::remove_cvref_t<decltype(q.*field.figure)>::value_type>) {
      append_count(out, q.*field.figure);
    } else {
      append_optional(out, rounded(q.*field.figure));
    }
  });
  bitrate_before(kBitratePosition);
  fmt::format_to(std::back_inserter(out), R"(,"reporting":{{"players":{},"states":{})", q.players,
                 q.states_reporting);
  bool bitrate_counted = false;
  for_each_quality_field_by_position([&](const auto& field, std::size_t) {
    if (!bitrate_counted && field.position >= kBitratePosition) {
      bitrate_counted = true;
      fmt::format_to(std::back_inserter(out), R"(,"bitrate":{})", q.bitrate_reporting);
    }
    if (field.reporting_key.empty()) return;  // counted with its group's first field
    fmt::format_to(std::back_inserter(out), R"(,"{}":{})", field.reporting_key, q.*field.reporting);
  });
  if (!bitrate_counted)
    fmt::format_to(std::back_inserter(out), R"(,"bitrate":{})", q.bitrate_reporting);
  out += "}}";  // "reporting", then the quality object
}

std::string to_json_text(const DashboardMetrics& m) {
  std::string out;
  out.reserve(2048);
  fmt::format_to(std::back_inserter(out),
                 R"({{"players":{{"active":{},"total":{}}},"viewers":{{"active":{},"total":{}}},)"
                 R"("playTime":{{"total":)",
                 m.active, m.total, m.viewers_active, m.viewers_total);
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
  out += R"(},"agentNames":{"browsers":)";
  append_labels(out, m.browser_labels);
  out += R"(,"devices":)";
  append_labels(out, m.device_labels);
  out += R"(,"os":)";
  append_labels(out, m.os_labels);
  fmt::format_to(std::back_inserter(out), R"(}},"now":{{"players":{},"playTime":{{"total":)",
                 m.now.players);
  append_json_number(out, m.now.play_time_total);
  out += R"(,"average":)";
  append_optional(out, rounded(m.now.play_time_average));
  out += R"(},"bitrates":{"min":)";
  append_optional(out, m.now.bitrate_min);
  out += R"(,"max":)";
  append_optional(out, m.now.bitrate_max);
  out += R"(,"average":)";
  append_optional(out, rounded(m.now.bitrate_average));
  out += R"(},"agents":{"browsers":)";
  append_distribution(out, m.now.browsers);
  out += R"(,"devices":)";
  append_distribution(out, m.now.devices);
  out += R"(,"os":)";
  append_distribution(out, m.now.os);
  out += R"(}},"quality":)";
  append_quality_json(out, m.quality);
  if (m.active_window_ms > 0) {
    fmt::format_to(std::back_inserter(out), R"(,"windows":{{"activeMs":{},"retentionMs":{}}})",
                   m.active_window_ms, m.retention_ms);
  }
  fmt::format_to(std::back_inserter(out), R"(,"generatedAt":{}}})", m.generated_at);
  return out;
}

}  // namespace streampulse::core
