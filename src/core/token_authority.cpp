#include "streampulse/core/token_authority.hpp"

#include "streampulse/core/error.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <boost/json.hpp>

#include <array>
#include <optional>
#include <stdexcept>
#include <utility>

namespace streampulse::core {

namespace json = boost::json;

namespace {

constexpr std::size_t kMacBytes = 32;         // HMAC-SHA256
constexpr std::size_t kMaxTokenBytes = 8192;  // anything longer is not one of ours

boost::system::error_code unauthenticated() { return make_error_code(errc::unauthenticated); }

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string base64url_encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');  // +1: EVP_EncodeBlock's terminator
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(in),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

// Strict: only the url-safe alphabet, no padding, and only the canonical encoding (so each
// byte string has exactly one textual form).
std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 == 1) return std::nullopt;
  std::string std64(in);
  for (char& c : std64) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!plain) {
      return std::nullopt;
    }
  }
  const std::size_t padding = (4 - std64.size() % 4) % 4;
  std64.append(padding, '=');
  std::string out(std64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(std64),
                                static_cast<int>(std64.size()));
  if (n < 0 || static_cast<std::size_t>(n) < padding) return std::nullopt;
  // EVP_DecodeBlock counts the bytes the padding stands for; drop them.
  out.resize(static_cast<std::size_t>(n) - padding);
  if (base64url_encode(out) != in) return std::nullopt;
  return out;
}

std::array<unsigned char, kMacBytes> mac(std::string_view key, std::string_view message) {
  std::array<unsigned char, kMacBytes> out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(message), message.size(),
           out.data(), &len) == nullptr ||
      len != kMacBytes) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

json::value to_json(const TokenClaims& claims) {
  json::array grants;
  for (const auto& g : claims.grants) {
    grants.push_back(json::object{{"t", g.topic}, {"p", g.publish}, {"s", g.subscribe}});
  }
  return json::object{{"c", claims.cache},
                      {"g", std::move(grants)},
                      {"exp", claims.expires_at_ms},
                      {"id", claims.token_id}};
}

const json::string* string_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_string() : nullptr;
}

const bool* bool_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_bool() : nullptr;
}

// Claims from their JSON text, or nullopt when anything is missing or of the wrong type.
std::optional<TokenClaims> parse_claims(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  const json::object* o = ec ? nullptr : doc.if_object();
  if (o == nullptr) return std::nullopt;
  const json::string* cache = string_field(*o, "c");
  const json::string* id = string_field(*o, "id");
  const json::value* grants = o->if_contains("g");
  const json::value* exp = o->if_contains("exp");
  if (cache == nullptr || id == nullptr || grants == nullptr || !grants->is_array() ||
      exp == nullptr) {
    return std::nullopt;
  }
  TokenClaims claims;
  if (exp->is_int64()) {
    claims.expires_at_ms = exp->get_int64();
  } else {
    return std::nullopt;  // doubles and uint64 beyond int64 are not ours
  }
  claims.cache = *cache;
  claims.token_id = *id;
  for (const json::value& g : grants->get_array()) {
    const json::object* grant = g.if_object();
    if (grant == nullptr) return std::nullopt;
    const json::string* topic = string_field(*grant, "t");
    const bool* publish = bool_field(*grant, "p");
    const bool* subscribe = bool_field(*grant, "s");
    if (topic == nullptr || publish == nullptr || subscribe == nullptr) return std::nullopt;
    claims.grants.push_back({std::string(*topic), *publish, *subscribe});
  }
  return claims;
}

}  // namespace

TokenAuthority::TokenAuthority(const core::Clock& clock, std::string cache, std::string key)
    : clock_(clock),
      cache_(std::move(cache)),
      keys_(
          std::make_shared<const Keys>(Keys{key.empty() ? random_bytes(32) : std::move(key), {}})) {
}

void TokenAuthority::set_keys(std::string key, std::string previous) {
  auto next = std::make_shared<const Keys>(Keys{std::move(key), std::move(previous)});
  std::lock_guard lock(mutex_);
  keys_ = std::move(next);
}

std::shared_ptr<const TokenAuthority::Keys> TokenAuthority::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

std::string TokenAuthority::key() const { return keys()->current; }

std::string TokenAuthority::stream_tag(std::string_view player_id,
                                       std::string_view stream_id) const {
  std::string message = "stream scope v1\n";
  message += player_id;
  message += '\n';
  message += stream_id;
  const auto m = mac(keys()->current, message);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag;
  for (std::size_t i = 0; i < 8; ++i) {  // 64 bits
    tag += kHex[m[i] >> 4];
    tag += kHex[m[i] & 15];
  }
  return tag;
}

std::string TokenAuthority::issue(const TokenClaims& claims) const {
  std::string token = base64url_encode(json::serialize(to_json(claims)));
  const auto signature = mac(keys()->current, token);
  token += '.';
  token += base64url_encode({reinterpret_cast<const char*>(signature.data()), signature.size()});
  return token;
}

store::result<TokenClaims> TokenAuthority::verify(std::string_view token, std::string_view cache,
                                                  std::string_view topic,
                                                  TopicAction action) const {
  if (token.size() > kMaxTokenBytes) return unauthenticated();
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos) return unauthenticated();
  const std::string_view body = token.substr(0, dot);
  const auto signature = base64url_decode(token.substr(dot + 1));
  if (!signature || signature->size() != kMacBytes) return unauthenticated();
  const auto k = keys();
  const auto expected = mac(k->current, body);
  bool signed_here = CRYPTO_memcmp(expected.data(), signature->data(), kMacBytes) == 0;
  if (!signed_here && !k->previous.empty()) {
    const auto before = mac(k->previous, body);
    signed_here = CRYPTO_memcmp(before.data(), signature->data(), kMacBytes) == 0;
  }
  if (!signed_here) return unauthenticated();

  // Only text this process signed gets parsed; still, check every field's type.
  const auto text = base64url_decode(body);
  if (!text) return unauthenticated();
  auto claims = parse_claims(*text);
  if (!claims) return unauthenticated();
  if (claims->expires_at_ms <= clock_.now_ms()) return unauthenticated();

  if (claims->cache != cache) return make_error_code(errc::permission_denied);
  for (const auto& g : claims->grants) {
    if (g.topic != topic) continue;
    if (action == TopicAction::publish ? g.publish : g.subscribe) return std::move(*claims);
  }
  return make_error_code(errc::permission_denied);
}

store::awaitable<store::result<store::ViewerToken>> TokenAuthority::vend_viewer_token(
    std::string_view heartbeat_topic, std::string_view count_topic, std::chrono::seconds valid_for,
    std::string token_id) {
  TokenClaims claims;
  claims.cache = cache_;
  claims.grants = {{std::string(heartbeat_topic), true, false},
                   {std::string(count_topic), false, true}};
  claims.expires_at_ms =
      clock_.now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(valid_for).count();
  claims.token_id = std::move(token_id);
  store::ViewerToken out;
  out.token = issue(claims);
  out.expires_at_ms = claims.expires_at_ms;
  co_return out;
}

}  // namespace streampulse::core
