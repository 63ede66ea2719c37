#pragma once
// Short-lived, scoped tokens for the embedded backend's topics API, in the spirit of Momento's
// disposable tokens: a token names the cache, the topics and the role on each, and an expiry,
// and is signed with HMAC-SHA256 under a key only this process knows.
#include "streampulse/core/clock.hpp"
#include "streampulse/store/store.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::core {

enum class TopicAction { publish, subscribe };

struct TopicGrant {
  std::string topic;
  bool publish = false;
  bool subscribe = false;
};

struct TokenClaims {
  std::string cache;
  std::vector<TopicGrant> grants;
  core::EpochMs expires_at_ms = 0;
  std::string token_id;  // reported as publisher_id on published items
};

class TokenAuthority final : public store::TokenVendor {
 public:
  // key: the HMAC key (random per process when empty).
  TokenAuthority(const core::Clock& clock, std::string cache, std::string key = {});

  // Replaces the signing key; `previous`, when not empty, is still accepted (never used to
  // sign): a rotation, or the Redis backend's shared key agreed on again. Thread-safe.
  void set_keys(std::string key, std::string previous = {});
  std::string key() const;  // the signing key now

  std::string issue(const TokenClaims& claims) const;

  // The tag naming `stream_id` in the id of a token of `player_id` (core/stream_scope.hpp):
  // 16 hex digits of a MAC under this authority's key. Thread-safe.
  std::string stream_tag(std::string_view player_id, std::string_view stream_id) const;

  // errc::unauthenticated for a malformed, forged or expired token;
  // errc::permission_denied for a valid token that does not grant `action` on cache/topic.
  store::result<TokenClaims> verify(std::string_view token, std::string_view cache,
                                    std::string_view topic, TopicAction action) const;

  store::awaitable<store::result<store::ViewerToken>> vend_viewer_token(
      std::string_view heartbeat_topic, std::string_view count_topic,
      std::chrono::seconds valid_for, std::string token_id) override;

 private:
  const core::Clock& clock_;
  std::string cache_;
  struct Keys {
    std::string current, previous;
  };
  std::shared_ptr<const Keys> keys() const;

  mutable std::mutex mutex_;  // guards keys_ (the pointer; the keys themselves never change)
  std::shared_ptr<const Keys> keys_;
};

}  // namespace streampulse::core
