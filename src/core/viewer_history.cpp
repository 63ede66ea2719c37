#include "streampulse/core/viewer_history.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include <cmath>

namespace streampulse::core {

ViewerHistory::ViewerHistory()
    : seconds_{1000, std::vector<Point>(kSeconds)},
      minutes_{60'000, std::vector<Point>(kMinutes)} {}

void ViewerHistory::Ring::put(std::int64_t slot, std::uint64_t value, bool keep_max) {
  if (slot < 0) return;
  Point& p = points[static_cast<std::size_t>(slot) % points.size()];
  if (p.slot > slot) return;  // older than what the ring holds there
  if (p.slot < slot) {
    p = Point{slot, value};
  } else if (!keep_max || value > p.value) {
    p.value = value;
  }
}

std::optional<std::uint64_t> ViewerHistory::Ring::at(std::int64_t slot) const {
  if (slot < 0) return std::nullopt;
  const Point& p = points[static_cast<std::size_t>(slot) % points.size()];
  if (p.slot != slot) return std::nullopt;
  return p.value;
}

void ViewerHistory::record(EpochMs now, std::uint64_t active) {
  seconds_.put(now / seconds_.step_ms, active, true);
  minutes_.put(now / minutes_.step_ms, active, true);
  if (peak_.at == 0 || active > peak_.players) peak_ = Peak{active, now};
}

std::optional<std::uint64_t> ViewerHistory::second_at(EpochMs at) const {
  return seconds_.at(at / seconds_.step_ms);
}

std::optional<std::uint64_t> ViewerHistory::minute_at(EpochMs at) const {
  return minutes_.at(at / minutes_.step_ms);
}

namespace {

void append_ring_json(std::string& out, std::string_view name, EpochMs step_ms, std::size_t size,
                      EpochMs now, const auto& value_at) {
  const std::int64_t last = now / step_ms;
  const std::int64_t first = last - static_cast<std::int64_t>(size) + 1;
  fmt::format_to(std::back_inserter(out), R"("{}":{{"from":{},"stepMs":{},"counts":[)", name,
                 first * step_ms, step_ms);
  for (std::int64_t slot = first; slot <= last; ++slot) {
    if (slot != first) out += ',';
    if (auto v = value_at(slot)) {
      fmt::format_to(std::back_inserter(out), "{}", *v);
    } else {
      out += "null";
    }
  }
  out += "]}";
}

}  // namespace

std::string ViewerHistory::to_json(EpochMs now) const {
  std::string out;
  out.reserve(kSeconds * 3 + kMinutes * 3 + 128);
  out += '{';
  append_ring_json(out, "perSecond", seconds_.step_ms, kSeconds, now,
                   [this](std::int64_t s) { return seconds_.at(s); });
  out += ',';
  append_ring_json(out, "perMinute", minutes_.step_ms, kMinutes, now,
                   [this](std::int64_t s) { return minutes_.at(s); });
  if (peak_.at == 0) {
    out += R"(,"peak":null})";
  } else {
    fmt::format_to(std::back_inserter(out), R"(,"peak":{{"players":{},"at":{}}}}})", peak_.players,
                   peak_.at);
  }
  return out;
}

bool ViewerHistory::restore(std::string_view json) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return false;
  const auto& obj = doc.get_object();
  auto read_ring = [&obj](std::string_view name, Ring& ring) {
    const auto* r = obj.if_contains(name);
    if (!r || !r->is_object()) return false;
    const auto* from = r->get_object().if_contains("from");
    const auto* counts = r->get_object().if_contains("counts");
    if (!from || !from->is_number() || !counts || !counts->is_array()) return false;
    const auto first = static_cast<std::int64_t>(from->to_number<double>()) / ring.step_ms;
    std::int64_t slot = first;
    for (const auto& c : counts->get_array()) {
      if (c.is_number()) {
        const double v = c.to_number<double>();
        if (std::isfinite(v) && v >= 0) ring.put(slot, static_cast<std::uint64_t>(v), true);
      }
      ++slot;
    }
    return true;
  };
  if (!read_ring("perSecond", seconds_) || !read_ring("perMinute", minutes_)) return false;
  const auto* peak = obj.if_contains("peak");
  if (peak && peak->is_object()) {
    const auto* players = peak->get_object().if_contains("players");
    const auto* at = peak->get_object().if_contains("at");
    if (players && players->is_number() && at && at->is_number()) {
      const Peak p{static_cast<std::uint64_t>(players->to_number<double>()),
                   static_cast<EpochMs>(at->to_number<double>())};
      if (peak_.at == 0 || p.players > peak_.players) peak_ = p;
    }
  }
  return true;
}

}  // namespace streampulse::core
