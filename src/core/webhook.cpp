#include "streampulse/core/webhook.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <memory>
#include <stdexcept>

namespace streampulse::core {

[[noreturn]] void throw_exception_from_error(const WebhookProblem& p,
                                             const boost::source_location&) {
  throw std::invalid_argument(p.message);
}

namespace {

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

}  // namespace

struct WebhookSigner::State {
  MacCtx keyed;  // initialised with the key; copied for each message
};

WebhookSigner::WebhookSigner(std::string_view secret) : state_(std::make_unique<State>()) {
  state_->keyed.reset(EVP_MAC_CTX_new(hmac_algorithm()));
  char digest[] = "SHA3-256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                               OSSL_PARAM_construct_end()};
  if (!state_->keyed ||
      EVP_MAC_init(state_->keyed.get(), reinterpret_cast<const unsigned char*>(secret.data()),
                   secret.size(), params) != 1) {
    throw std::runtime_error("OpenSSL cannot prepare HMAC-SHA3-256");
  }
}

WebhookSigner::~WebhookSigner() = default;
WebhookSigner::WebhookSigner(WebhookSigner&&) noexcept = default;
WebhookSigner& WebhookSigner::operator=(WebhookSigner&&) noexcept = default;

std::string WebhookSigner::sign(std::string_view body) const {
  MacCtx ctx(EVP_MAC_CTX_dup(state_->keyed.get()));
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t mac_len = 0;
  if (!ctx ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(body.data()), body.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), mac, &mac_len, sizeof mac) != 1) {
    throw std::runtime_error("OpenSSL HMAC-SHA3-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(mac_len * 2, '0');
  for (std::size_t i = 0; i < mac_len; ++i) {
    out[2 * i] = kHex[mac[i] >> 4];
    out[2 * i + 1] = kHex[mac[i] & 0xf];
  }
  return out;
}

WebhookVerifier::WebhookVerifier(const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) signers_.emplace_back(s);
}

bool WebhookVerifier::verify(std::string_view body, std::string_view signature) const {
  if (signature.size() != 64) return false;
  std::string given(signature);
  for (char& c : given) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  bool ok = false;
  for (const auto& signer : signers_) {
    const std::string expected = signer.sign(body);
    // Evaluate every secret so timing does not reveal which one matched.
    ok |= CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
  }
  return ok;
}

std::string sign_webhook_body(std::string_view secret, std::string_view body) {
  return WebhookSigner(secret).sign(body);
}

bool verify_webhook_signature(const std::vector<std::string>& secrets, std::string_view body,
                              std::string_view signature) {
  return WebhookVerifier(secrets).verify(body, signature);
}

namespace {

using Result = boost::system::result<WebhookEvent, WebhookProblem>;

WebhookProblem malformed(std::string message) {
  return {WebhookProblem::Kind::malformed, std::move(message)};
}

// Reads a JSON number that must be a non-negative integer (timestamps, sequence numbers).
bool read_integer(const boost::json::value& v, std::int64_t& out) {
  if (v.is_int64()) {
    out = v.get_int64();
    return out >= 0;
  }
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return false;
    out = static_cast<std::int64_t>(v.get_uint64());
    return true;
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (!std::isfinite(d) || d < 0 || d > 9e15 || std::floor(d) != d) return false;
    out = static_cast<std::int64_t>(d);
    return true;
  }
  return false;
}

}  // namespace

Result parse_webhook_event(std::string_view body, EpochMs now_ms, EpochMs window_ms) {
  unsigned char buffer[4096];  // events are small: parse without touching the heap
  boost::json::monotonic_resource mr(buffer, sizeof buffer);
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec, &mr);
  if (ec) return malformed("the webhook body is not JSON: " + ec.message());
  if (!doc.is_object()) return malformed("the webhook body must be a JSON object");
  const auto& obj = doc.get_object();

  WebhookEvent event;
  auto read_string = [&](std::string_view key, std::string& out, bool required) -> bool {
    const auto* v = obj.if_contains(key);
    if (!v) return !required;
    if (!v->is_string()) return false;
    out = std::string(v->get_string());
    return true;
  };
  if (!read_string("text", event.text, true))
    return malformed("field 'text' must be present and a string");
  if (!read_string("cache", event.cache, false)) return malformed("field 'cache' must be a string");
  if (!read_string("topic", event.topic, false)) return malformed("field 'topic' must be a string");
  if (!read_string("token_id", event.token_id, false))
    return malformed("field 'token_id' must be a string");

  const auto* published = obj.if_contains("publish_timestamp");
  if (!published || !read_integer(*published, event.publish_timestamp))
    return malformed("field 'publish_timestamp' must be present and a non-negative integer (ms)");
  if (const auto* v = obj.if_contains("event_timestamp");
      v && !read_integer(*v, event.event_timestamp))
    return malformed("field 'event_timestamp' must be a non-negative integer (ms)");
  if (const auto* v = obj.if_contains("topic_sequence_number")) {
    std::int64_t seq = 0;
    if (!read_integer(*v, seq))
      return malformed("field 'topic_sequence_number' must be a non-negative integer");
    event.topic_sequence_number = static_cast<std::uint64_t>(seq);
  }

  if (event.publish_timestamp < now_ms - window_ms)
    return WebhookProblem{WebhookProblem::Kind::stale,
                          "the event's publish_timestamp is more than " +
                              std::to_string(window_ms / 1000) + " s old"};
  if (event.publish_timestamp > now_ms + window_ms)
    return WebhookProblem{WebhookProblem::Kind::future,
                          "the event's publish_timestamp is more than " +
                              std::to_string(window_ms / 1000) + " s in the future"};
  return event;
}

}  // namespace streampulse::core
