// The viewer's configuration (GET /api/player-config), read as the player page reads it.
#include "streampulse/core/clock.hpp"
#include "viewer.hpp"

#include "streampulse/core/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <cctype>

namespace streampulse::sim {

namespace {

// Percent-encodes one path segment (everything but RFC 3986's unreserved characters), as the
// page's encodeURIComponent does for the names it puts in a path.
std::string encode_segment(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

}  // namespace

bool apply_config(AudienceContext& ctx, Viewer& v, std::string_view body, std::string& why) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  const auto* root = ec ? nullptr : doc.if_object();
  const auto* tv = root ? root->if_contains("topics") : nullptr;
  const auto* topics = tv ? tv->if_object() : nullptr;
  if (!topics) {
    why = "no \"topics\" object in the answer";
    return false;
  }
  auto text = [](const boost::json::object& o, const char* key) -> std::string {
    const auto* x = o.if_contains(key);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  const std::string cache = text(*topics, "cache");
  const std::string hb_topic = text(*topics, "heartbeatTopic");
  const std::string count_topic = text(*topics, "viewerCountTopic");
  const std::string token = text(*topics, "token");
  if (cache.empty() || hb_topic.empty() || token.empty() ||
      (ctx.options.subscribe && count_topic.empty())) {
    why = "topics.cache, heartbeatTopic, viewerCountTopic or token missing";
    return false;
  }
  const std::string base = text(*topics, "baseUrl");
  Target where = v.target;
  if (!base.empty() && !parse_target(base, where, why)) return false;
  const Endpoint* endpoint = ctx.endpoints.find(where, why);
  if (!endpoint) return false;

  // The page keeps the playerId of its first configuration (a view) across renewals.
  if (v.player_id.empty()) {
    const std::string issued = root->if_contains("playerId") ? text(*root, "playerId") : "";
    v.player_id = is_valid_player_id(issued) ? issued : v.player.id;
  }
  v.token = token;
  v.topics = endpoint;
  v.publish_path = where.path + "/topics/" + encode_segment(cache) + "/" + encode_segment(hb_topic);
  v.count_path =
      where.path + "/topics/" + encode_segment(cache) + "/" + encode_segment(count_topic);
  v.interval_ms = ctx.options.interval_ms;
  if (v.interval_ms <= 0) {
    const auto* ms = root->if_contains("heartbeatIntervalMs");
    const double x = ms && ms->is_number() ? ms->to_number<double>() : 0;
    v.interval_ms = x >= 100 ? static_cast<std::int64_t>(x) : 750;  // player.js
  }
  v.refresh_at_ms = std::numeric_limits<std::int64_t>::max();
  if (const auto* exp = topics->if_contains("expiresAt"); exp && exp->is_number()) {
    // player.js applyConfig: renew at 20 % of the remaining life before the end, at most 60 s
    // early, at least 1 s from now.
    const double left =
        exp->to_number<double>() - static_cast<double>(core::SystemClock().now_ms());
    if (left > 0) {
      const double in_ms = std::max(1000.0, left - std::min(60000.0, left * 0.2));
      v.refresh_at_ms = steady_ms() + static_cast<std::int64_t>(in_ms);
    }
  }

  v.publish_head = "POST " + v.publish_path + " HTTP/1.1\r\nHost: " + endpoint->host_header +
                   "\r\nAuthorization: " + v.token +
                   "\r\nContent-Type: text/plain\r\nContent-Length: ";
  v.body_prefix = "{\"playerId\":";
  core::append_json_string(v.body_prefix, v.player_id);
  if (!v.stream_id.empty()) {
    v.body_prefix += ",\"streamId\":";
    core::append_json_string(v.body_prefix, v.stream_id);
  }
  v.body_prefix += ",\"viewerId\":";
  core::append_json_string(v.body_prefix, v.player.id);
  v.body_prefix += ",\"bitrate\":";
  v.body_suffix = ",\"agent\":{\"os\":";
  core::append_json_string(v.body_suffix, v.player.agent.os);
  v.body_suffix += ",\"browser\":";
  core::append_json_string(v.body_suffix, v.player.agent.browser);
  v.body_suffix += ",\"device\":";
  core::append_json_string(v.body_suffix, v.player.agent.device);
  v.body_suffix += "}}";
  return true;
}

std::int64_t parse_count(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (!text.empty() && text.size() <= 18 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::stoll(std::string(text));
  }
  boost::system::error_code ec;  // tolerate {"viewerCount": 3} / {"count": 3}, as the page
  const auto doc = boost::json::parse(text, ec);
  const auto* o = ec ? nullptr : doc.if_object();
  if (!o) return -1;
  const auto* n = o->if_contains("viewerCount");
  if (!n) n = o->if_contains("count");
  if (!n || !n->is_number()) return -1;
  const double x = n->to_number<double>();
  return x >= 0 && x < 9e18 ? static_cast<std::int64_t>(x) : -1;
}

}  // namespace streampulse::sim
