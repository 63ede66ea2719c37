#pragma once
// Disposable tokens minted by the fake: the granted permissions, expiry and token_id, as JSON
// signed with HMAC-SHA256 under a per-process key. core::TokenAuthority is not used: its
// grants name single topics of one cache, while Momento's selectors also cover all caches, all
// topics and topic name prefixes, and cache (scalar) permissions.
#include "streampulse/core/clock.hpp"
#include "streampulse/store/store.hpp"

#include "momento_proto/token.pb.h"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streampulse::testing::fake {

struct TopicGrant {
  enum class Match { all, name, prefix };
  std::optional<std::string> cache;  // nullopt: every cache
  Match match = Match::all;
  std::string topic;  // the name or prefix
  bool publish = false;
  bool subscribe = false;
};

struct CacheGrant {
  std::optional<std::string> cache;  // nullopt: every cache
  bool read = false;
  bool write = false;
};

struct Claims {
  std::vector<TopicGrant> topics;
  std::vector<CacheGrant> caches;
  std::int64_t expires_at_ms = 0;
  std::string token_id;
};

bool allows_topic(const Claims& claims, std::string_view cache, std::string_view topic,
                  bool publish);
bool allows_cache(const Claims& claims, std::string_view cache, bool write);

// The claims a GenerateDisposableToken request asks for, or why it cannot be granted
// (INVALID_ARGUMENT material: no expiry, over 25 h, super user, too many statements...).
std::variant<Claims, std::string> claims_from_request(
    const token::_GenerateDisposableTokenRequest& request, std::int64_t now_ms);

class TokenService {
 public:
  explicit TokenService(const core::Clock& clock);

  std::string mint(const Claims& claims) const;
  // errc::unauthenticated for anything not minted here, or expired.
  store::result<Claims> verify(std::string_view token) const;

 private:
  const core::Clock& clock_;
  std::string key_;
};

}  // namespace streampulse::testing::fake
