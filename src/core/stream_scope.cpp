#include "streampulse/core/stream_scope.hpp"

#include <algorithm>

namespace streampulse::core {

namespace {

constexpr std::string_view kTagMark = "-s";

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct Split {
  std::string_view player, tag;  // tag empty: none
};

// "<player>-s<16 hex>" with a non-empty player part; else the whole id is the player part.
Split split(std::string_view token_id) {
  const std::size_t suffix = kTagMark.size() + kStreamTagHexChars;
  if (token_id.size() <= suffix) return {token_id, {}};
  const std::size_t at = token_id.size() - suffix;
  const auto tag = token_id.substr(at + kTagMark.size());
  if (token_id.substr(at, kTagMark.size()) != kTagMark || !is_lower_hex(tag)) return {token_id, {}};
  return {token_id.substr(0, at), tag};
}

}  // namespace

std::string scoped_token_id(std::string_view player_id, std::string_view stream_id,
                            std::string_view default_stream_id, const StreamTagger& tag) {
  std::string id(player_id);
  if (stream_id == default_stream_id) return id;
  id += kTagMark;
  id += tag(player_id, stream_id);
  return id;
}

std::string_view token_player_part(std::string_view token_id) { return split(token_id).player; }

bool token_allows_stream(std::string_view token_id, std::string_view stream_id,
                         std::string_view default_stream_id, const StreamTagger& tag) {
  if (token_id.empty()) return true;
  const auto parts = split(token_id);
  if (parts.tag.empty()) return stream_id == default_stream_id;
  return tag && tag(parts.player, stream_id) == parts.tag;
}

}  // namespace streampulse::core
