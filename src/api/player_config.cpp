// GET /api/player-config: where the player publishes heartbeats and reads the count, and the
// player id (a view) its token is bound to. Tokens are rationed per client address
// (STREAMPULSE_TOKENS_PER_ADDRESS_PER_MINUTE): each token is one player, so a client must not
// mint players faster than a crowd behind one address really starts views.
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/core/stream_ids.hpp"
#include "streampulse/core/stream_scope.hpp"
#include "streampulse/core/token_authority.hpp"
#include "streampulse/http/response.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

namespace {

// The service's own origin as the browser reached it (a proxy may say https).
std::string own_origin(const http::Request& req) {
  std::string scheme = "http";
  if (auto p = req.find("X-Forwarded-Proto"); p != req.end() && p->value() == "https")
    scheme = "https";
  auto host = req.find(bh::field::host);
  return scheme + "://" + std::string(host != req.end() ? host->value() : "localhost");
}

// A fresh player id: "view-" and 96 random bits in hex (a valid playerId and Momento token_id).
std::string new_player_id() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "view-";
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

http::Response too_many_tokens(const http::Request& req, const core::RateDecision& d) {
  return http::error_response(
      req, bh::status::too_many_requests, "too_many_tokens",
      d.kind == core::RateDecision::Kind::over_rate
          ? "this address has been given as many viewer tokens as it may have for now"
          : "the service is rationing viewer tokens among too many addresses right now",
      {{bh::field::retry_after, std::to_string((d.retry_after_ms + 999) / 1000)}});
}

// The stream the page asks for (`?stream=<id>`), or the default stream; null after answering
// `refused` (404 naming the id: the page says which stream is missing).
const core::Stream* requested_stream(const service::Services& s, const http::RequestContext& ctx,
                                     std::optional<http::Response>& refused) {
  auto param = ctx.target.params().find("stream");
  if (param == ctx.target.params().end()) return &s.streams.default_stream();
  const std::string id((*param).value);
  if (const auto* stream = s.streams.find(id)) return stream;
  refused = http::error_response(ctx.request, bh::status::not_found, "stream_not_found",
                                 core::is_valid_stream_id(id)
                                     ? "no stream '" + id + "' (GET /api/streams lists them)"
                                     : std::string("no such stream: a stream id is 1 to 64 "
                                                   "characters of A-Z, a-z, 0-9, '_' or '-'"));
  return nullptr;
}

}  // namespace

http::Handler player_config_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    // Checked first: a refused request takes no token from the client's bucket. A copy: the
    // catalog may change while the token is fetched.
    std::optional<http::Response> refused;
    const core::Stream* requested = requested_stream(s, ctx, refused);
    if (!requested) co_return std::move(*refused);
    const core::Stream stream = *requested;
    const auto decision = s.token_buckets.take(core::rate_key(client_of(s, ctx)), s.clock.now_ms());
    if (!decision.allowed()) {
      ++(decision.kind == core::RateDecision::Kind::over_rate
             ? s.stats.tokens_refused_rate
             : s.stats.tokens_refused_clients_full);
      co_return too_many_tokens(ctx.request, decision);
    }
    const std::string player_id = new_player_id();
    // Scoped to the stream: its count topic only, and a token id that names the stream for the
    // heartbeats (core/stream_scope.hpp); the default stream's are the original's.
    const std::string& default_id = s.streams.default_stream().id;
    const std::string count_topic =
        core::count_topic_of(s.config.viewer_count_topic, default_id, stream.id);
    std::string token_id = player_id;
    if (s.report_tokens) {
      token_id = core::scoped_token_id(player_id, stream.id, default_id,
                                       [&s](std::string_view p, std::string_view id) {
                                         return s.report_tokens->stream_tag(p, id);
                                       });
    }
    auto token =
        co_await s.tokens.vend_viewer_token(s.config.heartbeat_topic, count_topic,
                                            std::chrono::seconds(s.config.token_ttl_s), token_id);
    if (token.has_error()) co_return store_error_response(ctx.request, token.error());
    ++s.stats.tokens_issued;
    // POST /cmcd's credential: the topics token where the service signs it (embedded), else one
    // of its own for the same player and lifetime.
    std::string report_token = token->token;
    if (s.report_tokens && !token->topics_base_url.empty()) {
      core::TokenClaims claims;
      claims.cache = s.config.cache;
      // The count topic names the stream for POST /cmcd (api/cmcd.cpp stream_of_claims).
      claims.grants = {{s.config.heartbeat_topic, true, false}, {count_topic, false, true}};
      claims.expires_at_ms = token->expires_at_ms;
      claims.token_id = token_id;
      report_token = s.report_tokens->issue(claims);
    }
    const std::string base =
        token->topics_base_url.empty() ? own_origin(ctx.request) : token->topics_base_url;
    co_return http::json_response(
        ctx.request, bh::status::ok,
        {{"playerId", player_id},
         {"topics",
          {{"baseUrl", base},
           {"cache", s.config.cache},
           {"heartbeatTopic", s.config.heartbeat_topic},
           {"viewerCountTopic", count_topic},
           {"token", token->token},
           {"expiresAt", token->expires_at_ms}}},
         {"reportToken", report_token},
         {"heartbeatIntervalMs", s.config.heartbeat_interval_ms},
         {"stream", {{"id", stream.id}, {"url", stream.url}, {"name", stream.name}}}});
  };
}

}  // namespace streampulse::api
