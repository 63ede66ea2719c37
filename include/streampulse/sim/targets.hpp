#pragma once
// `--target`: one or more service base URLs, comma-separated ("http://a:8080,http://b:8080").
// Viewers are spread over them round-robin. Pure.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::sim {

struct Target {
  std::string base;  // "http://host:port", no trailing slash, path kept if any
  std::string host;  // as written (name or address; IPv6 without brackets)
  unsigned short port = 80;
  std::string host_header;  // "host:port" as it goes in the Host header
  std::string path;         // the base's path ("" or "/prefix"), no trailing slash
};

// Parses one absolute http:// URL. On error returns false and says why.
bool parse_target(std::string_view url, Target& out, std::string& why);
// Parses the comma-separated list (empty items ignored; at least one required).
bool parse_targets(std::string_view list, std::vector<Target>& out, std::string& why);
// Viewer i's target: round-robin.
inline std::size_t target_of(std::size_t viewer, std::size_t targets) {
  return targets == 0 ? 0 : viewer % targets;
}

}  // namespace streampulse::sim
