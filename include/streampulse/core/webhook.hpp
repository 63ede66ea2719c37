#pragma once
// Momento Topics webhook events: signature (lowercase hex HMAC-SHA3-256 of the raw body),
// replay window on publish_timestamp, and the event's fields.
#include "streampulse/core/clock.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::core {

// Lowercase hex HMAC-SHA3-256 of body under secret: what Momento puts in `momento-signature`.
std::string sign_webhook_body(std::string_view secret, std::string_view body);

// True when `signature` matches the body under any of the secrets (constant-time compare,
// hex case ignored).
bool verify_webhook_signature(const std::vector<std::string>& secrets, std::string_view body,
                              std::string_view signature);

struct WebhookEvent {
  std::string cache;
  std::string topic;
  EpochMs event_timestamp = 0;
  EpochMs publish_timestamp = 0;
  std::uint64_t topic_sequence_number = 0;
  std::string token_id;
  std::string text;
};

struct WebhookProblem {
  enum class Kind { malformed, stale, future } kind;
  std::string message;
};

// Parses an (already verified) event and applies the replay window: publish_timestamp must be
// within `window_ms` of now in either direction.
boost::system::result<WebhookEvent, WebhookProblem> parse_webhook_event(std::string_view body,
                                                                        EpochMs now_ms,
                                                                        EpochMs window_ms = 60'000);

}  // namespace streampulse::core
