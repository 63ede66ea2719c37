#pragma once
// Momento Topics webhook events: signature (lowercase hex HMAC-SHA3-256 of the raw body),
// replay window on publish_timestamp, and the event's fields.
#include "streampulse/core/clock.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::core {

// Signs with one secret. The keyed HMAC state is prepared once: OpenSSL's one-shot HMAC()
// looks up the algorithm and hashes the key on every call, which was 40% of a webhook's cost.
class WebhookSigner {
 public:
  explicit WebhookSigner(std::string_view secret);
  ~WebhookSigner();
  WebhookSigner(WebhookSigner&&) noexcept;
  WebhookSigner& operator=(WebhookSigner&&) noexcept;

  // Lowercase hex HMAC-SHA3-256 of body: what Momento puts in `momento-signature`.
  std::string sign(std::string_view body) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Checks `momento-signature` against the current secret and, during a rotation, the previous
// one (constant-time compare, hex case ignored).
class WebhookVerifier {
 public:
  explicit WebhookVerifier(const std::vector<std::string>& secrets);
  bool enabled() const { return !signers_.empty(); }
  bool verify(std::string_view body, std::string_view signature) const;

 private:
  std::vector<WebhookSigner> signers_;
};

// One-off conveniences (tests, the simulator's first request).
std::string sign_webhook_body(std::string_view secret, std::string_view body);
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
