#include "streampulse/app/guards.hpp"

#include "streampulse/core/token_authority.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace streampulse::app {

core::PlayerBindings::Settings binding_settings(const Config& c) {
  core::PlayerBindings::Settings settings;
  settings.lifetime_ms = c.token_ttl_s * 1000 + 60'000;
  return settings;
}

namespace {

// HMAC-SHA256(secret, label): a key every instance with the same secret derives alike, and
// that reveals nothing of the secret.
std::string derive_key(std::string_view secret, std::string_view label) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(label.data()), label.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

void set_up_guards(Services& s, std::unique_ptr<core::TokenAuthority>& report_authority,
                   const core::TokenAuthority* topics_authority) {
  core::TokenBuckets::Settings buckets;
  buckets.per_minute = s.config.tokens_per_address_per_minute;
  s.token_buckets = core::TokenBuckets(buckets);
  if (topics_authority) {
    s.report_tokens = topics_authority;
    return;
  }
  if (s.config.momento_api_key.empty()) return;
  report_authority = std::make_unique<core::TokenAuthority>(
      s.clock, s.config.cache,
      derive_key(s.config.momento_api_key, "streampulse report tokens v1"));
  s.report_tokens = report_authority.get();
}

}  // namespace streampulse::app
