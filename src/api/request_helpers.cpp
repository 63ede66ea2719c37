#include "streampulse/api/request_helpers.hpp"

#include "streampulse/core/error.hpp"
#include "streampulse/http/response.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace streampulse::api {

namespace bh = boost::beast::http;

bool secrets_equal(std::string_view a, std::string_view b) {
  // Compare digests so neither the content nor the length leaks through timing.
  unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
  return CRYPTO_memcmp(da, db, sizeof da) == 0;
}

namespace {
std::string_view strip_bearer(std::string_view v) {
  if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer "))
    v.remove_prefix(7);
  return v;
}
}  // namespace

TokenLookup find_token(const http::RequestContext& ctx) {
  TokenLookup out;
  auto header = ctx.request.find(bh::field::authorization);
  auto param = ctx.target.params().find("token");
  const bool has_param = param != ctx.target.params().end();
  if (header != ctx.request.end() && has_param) {
    out.both = true;
    return out;
  }
  if (header != ctx.request.end()) out.token = std::string(strip_bearer(header->value()));
  if (has_param) {
    out.token = std::string((*param).value);
    out.in_query = true;
  }
  return out;
}

bool is_admin(const http::Request::header_type& req, std::string_view admin_token) {
  if (admin_token.empty()) return false;
  auto header = req.find(bh::field::authorization);
  if (header == req.end()) return false;
  std::string_view v = header->value();
  if (v.size() <= 7 || (v.substr(0, 7) != "Bearer " && v.substr(0, 7) != "bearer ")) return false;
  return secrets_equal(v.substr(7), admin_token);
}

http::Guard admin_guard(const std::string& admin_token) {
  return [&admin_token](const http::Request::header_type& h) -> std::optional<http::Response> {
    http::Request probe;  // error_response takes the version and keep-alive from a request
    probe.version(h.version());
    probe.keep_alive(false);
    if (admin_token.empty()) {
      return http::error_response(probe, bh::status::service_unavailable, "admin_disabled",
                                  "no admin token is configured (STREAMPULSE_ADMIN_TOKEN)");
    }
    if (!is_admin(h, admin_token)) {
      return http::error_response(probe, bh::status::unauthorized, "unauthorized",
                                  "send the admin token as 'Authorization: Bearer <token>'");
    }
    return std::nullopt;
  };
}

http::Response store_error_response(const http::Request& req, boost::system::error_code ec) {
  using streampulse::errc;
  if (ec == errc::invalid_argument)
    return http::error_response(req, bh::status::bad_request, "invalid_argument", ec.message());
  if (ec == errc::unauthenticated)
    return http::error_response(req, bh::status::unauthorized, "unauthenticated", ec.message());
  if (ec == errc::permission_denied)
    return http::error_response(req, bh::status::forbidden, "permission_denied", ec.message());
  if (ec == errc::not_found)
    return http::error_response(req, bh::status::not_found, "not_found", ec.message());
  if (ec == errc::payload_too_large)
    return http::error_response(req, bh::status::payload_too_large, "payload_too_large",
                                ec.message());
  if (ec == errc::resource_exhausted) {
    // A capacity bound (waiting long-polls, topics): places free up within seconds. The player
    // page waits Retry-After before trying again (static/player.js).
    const http::ExtraHeaders retry{{bh::field::retry_after, kRetryAfterCapacity}};
    return http::error_response(req, bh::status::too_many_requests, "resource_exhausted",
                                "a limit was reached; retry shortly", retry);
  }
  if (ec == errc::too_many_players)
    return http::error_response(req, bh::status::too_many_requests, "too_many_players",
                                "the service tracks as many players as it may, all of them "
                                "active; retry later");
  if (ec == errc::backend_full) {
    // Redis out of memory under noeviction: reads still work, writes wait for the operator
    // (more memory, or data removed), not for places to free up within seconds.
    const http::ExtraHeaders retry{{bh::field::retry_after, kRetryAfterBackendFull}};
    return http::error_response(req, bh::status::service_unavailable, "backend_full",
                                "the backend is out of memory and refuses writes; retry later",
                                retry);
  }
  if (ec == errc::deadline_exceeded)
    return http::error_response(req, bh::status::gateway_timeout, "backend_timeout",
                                "the backend did not answer in time");
  return http::error_response(req, bh::status::service_unavailable, "backend_unavailable",
                              "the backend is unavailable; retry shortly");
}

http::Response binding_refusal(const http::Request& req, core::BindVerdict verdict,
                               http::ExtraHeaders headers) {
  if (verdict == core::BindVerdict::full) {
    headers.emplace_back(bh::field::retry_after, "60");
    return http::error_response(req, bh::status::service_unavailable, "bindings_full",
                                "the service is tracking as many viewer tokens as it can; "
                                "retry later",
                                headers);
  }
  return http::error_response(req, bh::status::forbidden, "player_mismatch",
                              "this token reports for another player: one token, one player "
                              "(use the playerId of /api/player-config, or fetch a new token)",
                              headers);
}

std::optional<http::Response> stream_refusal(const http::Request& req,
                                             const service::HeartbeatOutcome& outcome,
                                             http::ExtraHeaders headers) {
  using Kind = service::HeartbeatOutcome::Kind;
  if (outcome.kind == Kind::unknown_stream)
    return http::error_response(req, bh::status::bad_request, "unknown_stream",
                                outcome.problem.message, headers);
  if (outcome.kind == Kind::wrong_stream)
    return http::error_response(req, bh::status::forbidden, "wrong_stream", outcome.problem.message,
                                headers);
  return std::nullopt;
}

std::string client_of(const service::Services& s, const http::RequestContext& ctx) {
  std::string_view forwarded;
  if (auto it = ctx.request.find("X-Forwarded-For"); it != ctx.request.end())
    forwarded = it->value();
  return core::client_address(ctx.remote_address, forwarded, s.trusted_proxies);
}

http::Response catalog_refusal(const http::Request& req, const core::StreamProblem& p) {
  switch (p.refusal) {
    case core::StreamRefusal::bad_id:
    case core::StreamRefusal::bad_name:
    case core::StreamRefusal::bad_url:
      return http::error_response(req, bh::status::bad_request, "invalid_stream", p.message);
    case core::StreamRefusal::not_found:
      return http::error_response(req, bh::status::not_found, "stream_not_found", p.message);
    case core::StreamRefusal::default_stream:
      return http::error_response(req, bh::status::conflict, "default_stream", p.message);
    case core::StreamRefusal::catalog_full:
      break;
  }
  return http::error_response(req, bh::status::conflict, "catalog_full", p.message);
}

StreamParam stream_param(const service::Services& s, const http::RequestContext& ctx) {
  StreamParam out;
  auto param = ctx.target.params().find("stream");
  if (param == ctx.target.params().end()) return out;
  std::string id((*param).value);
  if (!core::is_valid_stream_id(id)) {
    out.refusal = catalog_refusal(
        ctx.request, {core::StreamRefusal::bad_id,
                      "parameter 'stream': a stream id is 1 to 64 characters of A-Z, a-z, 0-9, "
                      "'_' or '-'"});
  } else if (!s.streams.find(id)) {
    out.refusal = catalog_refusal(
        ctx.request,
        {core::StreamRefusal::not_found, "no stream '" + id + "' (GET /api/streams lists them)"});
  } else {
    out.id = std::move(id);
  }
  return out;
}

}  // namespace streampulse::api
