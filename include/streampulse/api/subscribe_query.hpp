#pragma once
// The long-poll query of GET /topics/{cache}/{topic}: `sequence_number` and `sequence_page`.
// Pure (no I/O, no store), so it can be unit tested and fuzzed on its own.
#include <boost/url/url_view.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace streampulse::api {

struct SubscribeQuery {
  std::uint64_t sequence_number = 0;
  std::uint64_t sequence_page = 0;
};

namespace detail {

// Absent: nullopt. Present: the value, with `bad` set unless it is a whole non-negative integer
// that fits in 64 bits (after percent-decoding; the first occurrence counts).
inline std::optional<std::uint64_t> read_query_uint(const boost::urls::url_view& url,
                                                    std::string_view key, bool& bad) {
  auto it = url.params().find(key);
  if (it == url.params().end()) return std::nullopt;
  const std::string v = (*it).value;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || v.empty()) bad = true;
  return n;
}

}  // namespace detail

// Both parameters default to 0; nullopt when either is present but not a non-negative integer.
inline std::optional<SubscribeQuery> parse_subscribe_query(const boost::urls::url_view& url) {
  bool bad = false;
  SubscribeQuery q;
  q.sequence_number = detail::read_query_uint(url, "sequence_number", bad).value_or(0);
  q.sequence_page = detail::read_query_uint(url, "sequence_page", bad).value_or(0);
  if (bad) return std::nullopt;
  return q;
}

}  // namespace streampulse::api
