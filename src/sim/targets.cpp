#include "streampulse/sim/targets.hpp"

#include <boost/url/parse.hpp>

namespace streampulse::sim {

bool parse_target(std::string_view url, Target& out, std::string& why) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->encoded_host().empty()) {
    why = std::string(url) + ": not an absolute URL";
    return false;
  }
  if (u->scheme_id() == boost::urls::scheme::https) {
    why = std::string(url) + ": https is not supported by the simulator yet; use http://";
    return false;
  }
  if (u->scheme_id() != boost::urls::scheme::http) {
    why = std::string(url) + ": the scheme must be http://";
    return false;
  }
  if (u->has_query() || u->has_fragment() || u->has_userinfo()) {
    why = std::string(url) + ": a base URL has no user, query or fragment";
    return false;
  }
  Target t;
  t.host = u->host_address();  // IPv6 without brackets
  t.port = 80;
  if (u->has_port()) {
    const auto p = u->port_number();
    if (p == 0) {
      why = std::string(url) + ": bad port";
      return false;
    }
    t.port = p;
  }
  t.host_header = std::string(u->encoded_host_and_port());
  if (!u->has_port()) t.host_header += ":80";
  t.path = std::string(u->encoded_path());
  while (!t.path.empty() && t.path.back() == '/') t.path.pop_back();
  t.base = "http://" + t.host_header + t.path;
  out = std::move(t);
  return true;
}

bool parse_targets(std::string_view list, std::vector<Target>& out, std::string& why) {
  std::vector<Target> targets;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    Target t;
    if (!parse_target(item, t, why)) return false;
    targets.push_back(std::move(t));
  }
  if (targets.empty()) {
    why = "--target needs at least one http:// base URL";
    return false;
  }
  out = std::move(targets);
  return true;
}

}  // namespace streampulse::sim
