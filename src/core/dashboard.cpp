#include "streampulse/core/dashboard.hpp"

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

boost::json::value json_number(double v) {
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) <= 9e15)
    return static_cast<std::int64_t>(v);
  // Round to 1/1000, the precision the index keeps, so averages do not print 17 digits.
  return std::round(v * 1000.0) / 1000.0;
}

namespace {

boost::json::value optional_number(const std::optional<double>& v) {
  return v ? json_number(*v) : boost::json::value(nullptr);
}

boost::json::object distribution(const std::map<std::string, std::uint64_t>& counts) {
  boost::json::object obj;
  for (const auto& [name, n] : counts) obj[name] = n;
  return obj;
}

}  // namespace

boost::json::value to_json(const DashboardMetrics& m) {
  return {
      {"players", {{"active", m.active}, {"total", m.total}}},
      {"playTime",
       {{"total", json_number(m.play_time_total)},
        {"average", optional_number(m.play_time_average)}}},
      {"bitrates",
       {{"min", optional_number(m.bitrate_min)},
        {"max", optional_number(m.bitrate_max)},
        {"average", optional_number(m.bitrate_average)}}},
      {"agents",
       {{"browsers", distribution(m.browsers)},
        {"devices", distribution(m.devices)},
        {"os", distribution(m.os)}}},
      {"generatedAt", m.generated_at},
  };
}

}  // namespace streampulse::core
