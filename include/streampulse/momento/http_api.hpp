#pragma once
// Momento's HTTP API (docs/momento.md §11.2): paths and the topics long-poll answer. Pure; the
// adapter sends the requests.
#include "streampulse/store/store.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace streampulse::momento::http_api {

// "/topics/<cache>/<topic>", each name percent-encoded as one path segment.
std::string topic_path(std::string_view cache, std::string_view topic);
// "/topics/<cache>/<topic>?sequence_number=<n>&sequence_page=<p>".
std::string subscribe_target(std::string_view cache, std::string_view topic,
                             store::SubscribePosition from);
// "/cache/<cache>?key=<key>" (plus "&ttl_seconds=<n>" when ttl_seconds > 0).
std::string scalar_target(std::string_view cache, std::string_view key, long ttl_seconds = 0);

// {"items":[{"item":{...}}, {"discontinuity":{...}}, {"heartbeat":{}}]}: items and
// discontinuities in order; heartbeats and unknown kinds are skipped. Binary values arrive as
// {"binary":"<base64>"}. A missing or empty `items` is an empty answer; anything that is not this
// shape is errc::internal.
boost::system::result<std::vector<store::SubscriptionEvent>> read_long_poll(std::string_view json);

// The short reason in an error answer's body ("Cache Not Found"), at most 200 characters.
std::string error_reason(std::string_view body);

}  // namespace streampulse::momento::http_api
