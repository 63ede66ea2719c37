#include "streampulse/core/heartbeat.hpp"

#include "streampulse/core/json_text.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cmath>
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
  return hb;
}

}  // namespace

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
  return read_fields(obj, std::string(id->get_string()));
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
  out += '}';
  return out;
}

Result parse_analytics_json(std::string_view player_id, std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return invalid("", "stored analytics value is not a JSON object");
  return read_fields(doc.get_object(), std::string(player_id));
}

}  // namespace streampulse::core
