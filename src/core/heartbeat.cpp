#include "streampulse/core/heartbeat.hpp"

#include "streampulse/core/json_text.hpp"
#include "streampulse/core/quality_fields.hpp"
#include "streampulse/core/stream_catalog.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace streampulse::core {

[[noreturn]] void throw_exception_from_error(const InvalidHeartbeat& e,
                                             const boost::source_location&) {
  throw std::invalid_argument(e.message);
}

namespace {

using Result = boost::system::result<Heartbeat, InvalidHeartbeat>;

InvalidHeartbeat invalid(std::string field, std::string message) {
  return {std::move(field), std::move(message)};
}

// A finite JSON number in [0, max]; strings, booleans, NaN and huge values are refused.
std::optional<InvalidHeartbeat> read_number(const boost::json::object& obj, std::string_view key,
                                            double max, double& out) {
  const auto* v = obj.if_contains(key);
  if (!v) return invalid(std::string(key), "field '" + std::string(key) + "' is required");
  if (!v->is_number())
    return invalid(std::string(key), "field '" + std::string(key) + "' must be a number");
  const double d = v->to_number<double>();
  if (!std::isfinite(d) || d < 0 || d > max) {
    return invalid(std::string(key), "field '" + std::string(key) + "' must be between 0 and " +
                                         std::to_string(static_cast<std::int64_t>(max)));
  }
  out = d;
  return std::nullopt;
}

// An optional number: absent or null leaves `out` empty; otherwise the rules of read_number,
// and with `integer` no fraction.
template <class T>
std::optional<InvalidHeartbeat> read_optional(const boost::json::object& obj, std::string_view key,
                                              double max, bool integer, std::optional<T>& out) {
  const auto* v = obj.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  double d = 0;
  if (auto e = read_number(obj, key, max, d)) return e;
  if (integer && d != std::floor(d))
    return invalid(std::string(key), "field '" + std::string(key) + "' must be a whole number");
  out = static_cast<T>(d);
  return std::nullopt;
}

std::optional<InvalidHeartbeat> read_state(const boost::json::value* v, PlayState& out) {
  if (!v || v->is_null()) return std::nullopt;
  const auto message = "field 'state' must be \"playing\", \"paused\" or \"buffering\"";
  if (!v->is_string()) return invalid("state", message);
  const auto& s = v->get_string();
  if (s == "playing") {
    out = PlayState::playing;
  } else if (s == "paused") {
    out = PlayState::paused;
  } else if (s == "buffering") {
    out = PlayState::buffering;
  } else {
    return invalid("state", message);
  }
  return std::nullopt;
}

// The quality fields (kQualityFields, docs/api.md): all optional, checked in the rows' order.
std::optional<InvalidHeartbeat> read_quality(const boost::json::object& obj, Heartbeat& hb) {
  std::optional<InvalidHeartbeat> e;
  for_each_quality_field([&](const auto& field, std::size_t) {
    if (!e) e = read_optional(obj, field.key, field.max, field.integer, hb.*field.heartbeat);
  });
  if (e) return e;
  return read_state(obj.if_contains("state"), hb.state);
}

// The time-weighted bitrate a stored record carries; a bad one is dropped, not fatal.
std::optional<BitrateHistory> read_bitrate_history(const boost::json::value* v) {
  if (!v || !v->is_object()) return std::nullopt;
  const auto* k = v->get_object().if_contains("kbpsS");
  const auto* s = v->get_object().if_contains("s");
  if (!k || !s || !k->is_number() || !s->is_number()) return std::nullopt;
  BitrateHistory h{k->to_number<double>(), s->to_number<double>()};
  if (!std::isfinite(h.kbps_seconds) || !std::isfinite(h.seconds) || h.kbps_seconds < 0 ||
      h.seconds <= 0)
    return std::nullopt;
  return h;
}

std::optional<InvalidHeartbeat> read_agent(const boost::json::value* v, std::optional<Agent>& out) {
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object()) return invalid("agent", "field 'agent' must be an object");
  Agent agent;
  const auto& obj = v->get_object();
  for (auto [key, field] : {std::pair{"os", &agent.os}, std::pair{"browser", &agent.browser},
                            std::pair{"device", &agent.device}}) {
    const auto* s = obj.if_contains(key);
    if (!s || s->is_null()) continue;
    const std::string name = std::string("agent.") + key;
    if (!s->is_string()) return invalid(name, "field '" + name + "' must be a string");
    if (s->get_string().size() > kMaxAgentFieldLength)
      return invalid(name, "field '" + name + "' is longer than 64 characters");
    *field = std::string(s->get_string());
  }
  out = std::move(agent);
  return std::nullopt;
}

// Shared by both readers: the heartbeat body and the stored dictionary value.
Result read_fields(const boost::json::object& obj, std::string player_id) {
  Heartbeat hb;
  hb.player_id = std::move(player_id);
  if (auto e = read_number(obj, "bitrate", kMaxBitrate, hb.bitrate)) return *e;
  if (auto e = read_number(obj, "playTime", kMaxPlayTime, hb.play_time)) return *e;
  if (auto e = read_agent(obj.if_contains("agent"), hb.agent)) return *e;
  if (auto e = read_quality(obj, hb)) return *e;
  return hb;
}

}  // namespace

std::string_view to_string(PlayState s) {
  switch (s) {
    case PlayState::playing:
      return "playing";
    case PlayState::paused:
      return "paused";
    case PlayState::buffering:
      return "buffering";
    case PlayState::unknown:
      break;
  }
  return "";
}

bool is_valid_player_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxPlayerIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result parse_heartbeat(std::string_view json) {
  unsigned char buffer[4096];
  boost::json::monotonic_resource mr(buffer, sizeof buffer);
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(json, ec, &mr);
  if (ec) return invalid("", "the heartbeat is not valid JSON: " + ec.message());
  if (!doc.is_object()) return invalid("", "the heartbeat must be a JSON object");
  const auto& obj = doc.get_object();

  const auto* id = obj.if_contains("playerId");
  if (!id) return invalid("playerId", "field 'playerId' is required");
  if (!id->is_string()) return invalid("playerId", "field 'playerId' must be a string");
  if (!is_valid_player_id(id->get_string())) {
    return invalid("playerId",
                   "field 'playerId' must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'");
  }
  auto hb = read_fields(obj, std::string(id->get_string()));
  if (!hb) return hb;
  if (const auto* stream = obj.if_contains("streamId"); stream && !stream->is_null()) {
    if (!stream->is_string()) return invalid("streamId", "field 'streamId' must be a string");
    if (!is_valid_stream_id(stream->get_string())) {
      return invalid("streamId",
                     "field 'streamId' must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'");
    }
    hb->stream_id = std::string(stream->get_string());
  }
  if (const auto* viewer = obj.if_contains("viewerId"); viewer && !viewer->is_null()) {
    if (!viewer->is_string() || !is_valid_player_id(viewer->get_string())) {
      return invalid("viewerId",
                     "field 'viewerId' must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'");
    }
    hb->viewer_id = std::string(viewer->get_string());
  }
  return hb;
}

std::string to_analytics_json(const Heartbeat& hb) {
  std::string out;
  out.reserve(96 + (hb.agent
                        ? hb.agent->os.size() + hb.agent->browser.size() + hb.agent->device.size()
                        : 0));
  out += "{\"bitrate\":";
  append_json_number(out, hb.bitrate);
  out += ",\"playTime\":";
  append_json_number(out, hb.play_time);
  if (hb.agent) {
    out += ",\"agent\":{\"os\":";
    append_json_string(out, hb.agent->os);
    out += ",\"browser\":";
    append_json_string(out, hb.agent->browser);
    out += ",\"device\":";
    append_json_string(out, hb.agent->device);
    out += '}';
  }
  auto number = [&out](std::string_view key, const auto& v) {
    if (!v) return;
    out += ",\"";
    out += key;
    out += "\":";
    append_json_number(out, static_cast<double>(*v));
  };
  for_each_quality_field(
      [&](const auto& field, std::size_t) { number(field.key, hb.*field.heartbeat); });
  if (hb.state != PlayState::unknown) {
    out += ",\"state\":";
    append_json_string(out, to_string(hb.state));
  }
  // The stream, unless it is the default (service::Audience::accept clears it then): a restart
  // restores each player under its stream (persist/snapshot_restore.cpp), and a single-stream service
  // stores exactly what it did before streams.
  if (!hb.stream_id.empty()) {
    out += ",\"streamId\":";
    append_json_string(out, hb.stream_id);
  }
  if (hb.bitrate_history) {
    out += ",\"bitrateHistory\":{\"kbpsS\":";
    append_json_number(out, hb.bitrate_history->kbps_seconds);
    out += ",\"s\":";
    append_json_number(out, hb.bitrate_history->seconds);
    out += '}';
  }
  out += '}';
  return out;
}

Result parse_analytics_json(std::string_view player_id, std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return invalid("", "stored analytics value is not a JSON object");
  // Stored totals of deltas may exceed one heartbeat's bounds: read them leniently.
  auto hb = read_fields(doc.get_object(), std::string(player_id));
  if (!hb) {
    boost::json::object base = doc.get_object();
    for_each_quality_field([&](const auto& field, std::size_t) {
      if (field.accrual == Accrual::delta) base.erase(field.key);
    });
    hb = read_fields(base, std::string(player_id));
    if (!hb) return hb;
  }
  const auto& obj = doc.get_object();
  // A total past the member's range (a corrupt or hostile stored value) saturates.
  for_each_quality_field([&](const auto& field, std::size_t) {
    if (field.accrual != Accrual::delta) return;
    const boost::json::value* v = obj.if_contains(field.key);
    if (!v || !v->is_number()) return;
    const double d = v->to_number<double>();
    if (!std::isfinite(d) || d < 0) return;
    using Value = typename std::remove_cvref_t<decltype((*hb).*field.heartbeat)>::value_type;
    (*hb).*field.heartbeat = saturated<Value>(d);
  });
  hb->bitrate_history = read_bitrate_history(obj.if_contains("bitrateHistory"));
  // The stream (absent: the default's); a stored id that breaks the rules is dropped.
  if (const auto* stream = obj.if_contains("streamId");
      stream && stream->is_string() && is_valid_stream_id(stream->get_string()))
    hb->stream_id = std::string(stream->get_string());
  // `viewerId` is not stored (about 30 bytes a player): a restored player is a viewer of its own
  // until its next heartbeat names its viewer again.
  return hb;
}

}  // namespace streampulse::core
