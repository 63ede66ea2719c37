#include "streampulse/core/cmcd.hpp"

#include "streampulse/core/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>

namespace streampulse::core {
namespace {

using Problem = std::optional<InvalidHeartbeat>;

InvalidHeartbeat invalid(const std::string& prefix, std::string_view key, std::string what) {
  const std::string name = prefix + std::string(key);
  return {name, "CMCD key '" + name + "' " + std::move(what)};
}

Problem read_number(const boost::json::object& obj, const std::string& prefix, std::string_view key,
                    double max, std::optional<double>& out, bool allow_list = false) {
  const auto* v = obj.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (allow_list && v->is_array()) {
    if (v->get_array().empty()) return std::nullopt;
    v = &v->get_array().front();
  }
  if (!v->is_number()) return invalid(prefix, key, "must be a number");
  const double d = v->to_number<double>();
  if (!std::isfinite(d) || d < 0 || d > max)
    return invalid(prefix, key,
                   "must be between 0 and " + std::to_string(static_cast<std::int64_t>(max)));
  out = d;
  return std::nullopt;
}

Problem read_report(const boost::json::value& v, const std::string& prefix, CmcdReport& r) {
  if (!v.is_object()) return InvalidHeartbeat{prefix, "a CMCD report must be a JSON object"};
  const auto& obj = v.get_object();
  const auto* sid = obj.if_contains("sid");
  if (!sid) return invalid(prefix, "sid", "is required (it is the player id)");
  if (!sid->is_string() || !is_valid_player_id(sid->get_string()))
    return invalid(prefix, "sid", "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'");
  r.sid = std::string(sid->get_string());
  if (const auto* ver = obj.if_contains("v")) {
    if (!ver->is_number() || (ver->to_number<double>() != 1 && ver->to_number<double>() != 2))
      return invalid(prefix, "v", "must be 1 or 2");
  }
  std::optional<double> unused;
  if (auto p = read_number(obj, prefix, "br", kMaxBitrate, r.br, true)) return p;
  if (auto p = read_number(obj, prefix, "mtp", kMaxThroughputBps / 1000, r.mtp)) return p;
  if (auto p = read_number(obj, prefix, "bsd", kMaxRebufferMs, r.bsd)) return p;
  if (auto p = read_number(obj, prefix, "df", kMaxDroppedFrames, r.df)) return p;
  if (auto p = read_number(obj, prefix, "bl", 1e9, unused)) return p;
  if (auto p = read_number(obj, prefix, "ts", 1e15, unused)) return p;
  if (r.df && *r.df != std::floor(*r.df)) return invalid(prefix, "df", "must be a whole number");
  if (const auto* bs = obj.if_contains("bs"); bs && !bs->is_null()) {
    if (!bs->is_bool()) return invalid(prefix, "bs", "must be true or false");
    r.bs = bs->get_bool();
  }
  if (const auto* sta = obj.if_contains("sta"); sta && !sta->is_null()) {
    if (!sta->is_string() || sta->get_string().size() != 1)
      return invalid(prefix, "sta", "must be a one-letter player state");
    switch (sta->get_string()[0]) {
      case 'p':
        r.state = PlayState::playing;
        break;
      case 'a':
        r.state = PlayState::paused;
        break;
      case 'r':
        r.state = PlayState::buffering;
        break;
      default:
        break;  // starting, seeking, waiting, ended, fatal, quit, preloading: no state
    }
  }
  if (const auto* e = obj.if_contains("e"); e && !e->is_null()) {
    if (!e->is_string()) return invalid(prefix, "e", "must be a string");
    r.error_event = e->get_string() == "e";
  }
  return std::nullopt;
}

}  // namespace

boost::system::result<std::vector<CmcdReport>, InvalidHeartbeat> parse_cmcd(std::string_view json) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(json, ec);
  if (ec) return InvalidHeartbeat{"", "the CMCD report is not valid JSON: " + ec.message()};
  std::vector<CmcdReport> reports;
  if (doc.is_array()) {
    const auto& arr = doc.get_array();
    if (arr.empty()) return InvalidHeartbeat{"", "the CMCD report list is empty"};
    if (arr.size() > kMaxCmcdReports)
      return InvalidHeartbeat{
          "", "at most " + std::to_string(kMaxCmcdReports) + " CMCD reports per request"};
    for (std::size_t i = 0; i < arr.size(); ++i) {
      CmcdReport r;
      if (auto p = read_report(arr[i], "[" + std::to_string(i) + "].", r)) return *p;
      reports.push_back(std::move(r));
    }
  } else {
    CmcdReport r;
    if (auto p = read_report(doc, "", r)) return *p;
    reports.push_back(std::move(r));
  }
  return reports;
}

std::string cmcd_heartbeat_json(const CmcdReport& r, const std::optional<Heartbeat>& latest) {
  std::string out = "{\"playerId\":";
  append_json_string(out, r.sid);
  out += ",\"bitrate\":";
  append_json_number(out, r.br ? *r.br : (latest ? latest->bitrate : 0));
  out += ",\"playTime\":";
  append_json_number(out, latest ? latest->play_time : 0);
  if (latest && latest->agent) {
    out += ",\"agent\":{\"os\":";
    append_json_string(out, latest->agent->os);
    out += ",\"browser\":";
    append_json_string(out, latest->agent->browser);
    out += ",\"device\":";
    append_json_string(out, latest->agent->device);
    out += '}';
  }
  if (r.mtp) {
    out += ",\"throughputBps\":";
    append_json_number(out, *r.mtp * 1000);
  }
  if (r.bs || r.bsd) {
    out += r.bs.value_or(false) ? ",\"rebufferCount\":1" : ",\"rebufferCount\":0";
    out += ",\"rebufferMs\":";
    append_json_number(out, r.bsd.value_or(0));
  }
  if (r.error_event) out += ",\"errors\":1";
  if (r.df) {
    out += ",\"droppedFrames\":";
    append_json_number(out, *r.df);
  }
  if (r.state != PlayState::unknown) {
    out += ",\"state\":";
    append_json_string(out, to_string(r.state));
  }
  out += '}';
  return out;
}

}  // namespace streampulse::core
