#include "token_service.hpp"

#include "momento/base64.hpp"

#include "streampulse/core/error.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <boost/json.hpp>

#include <array>
#include <stdexcept>

namespace streampulse::testing::fake {

namespace json = boost::json;
namespace pm = permission_messages;

namespace {

constexpr std::string_view kPrefix = "fake.";
constexpr std::int64_t kMaxValidForSeconds = 25 * 3600;
constexpr int kMaxStatements = 20;
constexpr std::size_t kMaxTokenId = 64;

std::string b64url(std::string_view bytes) {
  std::string s = momento::detail::base64_encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) c = c == '+' ? '-' : (c == '/' ? '_' : c);
  return s;
}

std::string hmac(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(),
           &len) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return {reinterpret_cast<const char*>(out.data()), len};
}

bool cache_matches(const std::optional<std::string>& granted, std::string_view cache) {
  return !granted || *granted == cache;
}

json::value cache_json(const std::optional<std::string>& cache) {
  return cache ? json::value(*cache) : json::value(nullptr);
}

std::optional<std::string> cache_of(const json::object& o) {
  const auto& c = o.at("c");
  if (c.is_null()) return std::nullopt;
  return std::string(c.as_string());
}

Claims parse_claims(const json::object& o) {  // throws on a malformed document
  Claims claims;
  claims.expires_at_ms = o.at("exp").to_number<std::int64_t>();
  claims.token_id = o.at("id").as_string();
  for (const auto& v : o.at("t").as_array()) {
    const auto& g = v.as_object();
    claims.topics.push_back({cache_of(g), static_cast<TopicGrant::Match>(g.at("m").as_int64()),
                             std::string(g.at("n").as_string()), g.at("p").as_bool(),
                             g.at("s").as_bool()});
  }
  for (const auto& v : o.at("k").as_array()) {
    const auto& g = v.as_object();
    claims.caches.push_back({cache_of(g), g.at("r").as_bool(), g.at("w").as_bool()});
  }
  return claims;
}

template <class P>
std::optional<std::string> selected_cache(const P& p) {
  if (p.has_cache_selector()) return p.cache_selector().cache_name();
  return std::nullopt;  // all_caches (or none given: treated as all)
}

}  // namespace

bool allows_topic(const Claims& claims, std::string_view cache, std::string_view topic,
                  bool publish) {
  for (const auto& g : claims.topics) {
    if (!cache_matches(g.cache, cache) || !(publish ? g.publish : g.subscribe)) continue;
    if (g.match == TopicGrant::Match::all) return true;
    if (g.match == TopicGrant::Match::name && g.topic == topic) return true;
    if (g.match == TopicGrant::Match::prefix && topic.starts_with(g.topic)) return true;
  }
  return false;
}

bool allows_cache(const Claims& claims, std::string_view cache, bool write) {
  for (const auto& g : claims.caches) {
    if (cache_matches(g.cache, cache) && (write ? g.write : g.read)) return true;
  }
  return false;
}

std::variant<Claims, std::string> claims_from_request(
    const token::_GenerateDisposableTokenRequest& request, std::int64_t now_ms) {
  if (!request.has_expires() || request.expires().valid_for_seconds() == 0)
    return std::string("disposable tokens must expire");
  const std::int64_t valid_for = request.expires().valid_for_seconds();
  if (valid_for > kMaxValidForSeconds)
    return std::string("disposable tokens may be valid for at most 25 hours");
  if (request.token_id().size() > kMaxTokenId)
    return std::string("token_id is longer than 64 characters");
  const auto& permissions = request.permissions();
  if (permissions.has_super_user())
    return std::string("disposable tokens cannot have super user permissions");
  if (!permissions.has_explicit_()) return std::string("permissions are required");
  const auto& statements = permissions.explicit_().permissions();
  if (statements.size() > kMaxStatements)
    return std::string("at most 20 permission statements per token");
  Claims claims;
  claims.expires_at_ms = now_ms + valid_for * 1000;
  claims.token_id = request.token_id();
  for (const auto& s : statements) {
    if (s.has_topic_permissions()) {
      const auto& p = s.topic_permissions();
      TopicGrant g;
      g.cache = selected_cache(p);
      if (p.has_topic_selector() && p.topic_selector().has_topic_name()) {
        g.match = TopicGrant::Match::name;
        g.topic = p.topic_selector().topic_name();
      } else if (p.has_topic_selector() && p.topic_selector().has_topic_name_prefix()) {
        g.match = TopicGrant::Match::prefix;
        g.topic = p.topic_selector().topic_name_prefix();
      }
      g.publish = p.role() == pm::TopicReadWrite || p.role() == pm::TopicWriteOnly;
      g.subscribe = p.role() == pm::TopicReadWrite || p.role() == pm::TopicReadOnly;
      claims.topics.push_back(std::move(g));
    } else if (s.has_cache_permissions()) {
      const auto& p = s.cache_permissions();
      // Item selectors (key / key prefix) are not modelled: the grant covers the whole cache.
      claims.caches.push_back({selected_cache(p),
                               p.role() == pm::CacheReadWrite || p.role() == pm::CacheReadOnly,
                               p.role() == pm::CacheReadWrite || p.role() == pm::CacheWriteOnly});
    } else {
      return std::string("unsupported permission statement");
    }
  }
  return claims;
}

TokenService::TokenService(const core::Clock& clock) : clock_(clock), key_(32, '\0') {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), 32) != 1)
    throw std::runtime_error("RAND_bytes failed");
}

std::string TokenService::mint(const Claims& claims) const {
  json::array topics;
  for (const auto& g : claims.topics) {
    topics.push_back(json::object{{"c", cache_json(g.cache)},
                                  {"m", static_cast<int>(g.match)},
                                  {"n", g.topic},
                                  {"p", g.publish},
                                  {"s", g.subscribe}});
  }
  json::array caches;
  for (const auto& g : claims.caches) {
    caches.push_back(json::object{{"c", cache_json(g.cache)}, {"r", g.read}, {"w", g.write}});
  }
  const json::object doc{{"t", std::move(topics)},
                         {"k", std::move(caches)},
                         {"exp", claims.expires_at_ms},
                         {"id", claims.token_id}};
  std::string token = std::string(kPrefix) + b64url(json::serialize(doc));
  return token + "." + b64url(hmac(key_, token));
}

store::result<Claims> TokenService::verify(std::string_view token) const {
  const auto bad = make_error_code(errc::unauthenticated);
  const auto dot = token.rfind('.');
  if (!token.starts_with(kPrefix) || dot == std::string_view::npos || dot < kPrefix.size())
    return bad;
  const auto signature = momento::detail::base64_decode(token.substr(dot + 1));
  const std::string expected = hmac(key_, token.substr(0, dot));
  if (!signature || signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return bad;
  }
  const auto body =
      momento::detail::base64_decode(token.substr(kPrefix.size(), dot - kPrefix.size()));
  if (!body) return bad;
  try {
    Claims claims = parse_claims(json::parse(*body).as_object());
    if (claims.expires_at_ms <= clock_.now_ms()) return bad;
    return claims;
  } catch (const std::exception&) {
    return bad;
  }
}

}  // namespace streampulse::testing::fake
