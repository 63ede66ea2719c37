#pragma once
// Small pieces the handlers share: credentials and the store-error -> HTTP mapping.
#include "streampulse/core/player_bindings.hpp"
#include "streampulse/http/response.hpp"
#include "streampulse/http/router.hpp"
#include "streampulse/service/services.hpp"

#include <boost/system/error_code.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace streampulse::api {

// Constant-time equality for secrets (lengths may differ).
bool secrets_equal(std::string_view a, std::string_view b);

// The token of a topics request: the raw `Authorization` header (Momento style; a "Bearer "
// prefix is tolerated) or the `token` query parameter. Both at once is an error, as on Momento.
struct TokenLookup {
  std::optional<std::string> token;
  bool both = false;
  bool in_query = false;  // from ?token=: never accepted for the admin token (URLs get logged)
};
TokenLookup find_token(const http::RequestContext& ctx);

// True when the request carries `Authorization: Bearer <admin_token>` and admin_token is set.
bool is_admin(const http::Request::header_type& req, std::string_view admin_token);

// A route guard for admin routes, checked before the body is read: 503 when no admin token is
// configured, 401 without the right one. `admin_token` must outlive the router.
http::Guard admin_guard(const std::string& admin_token);

// The client a request comes from: its peer, or the client a trusted proxy forwards
// (core/client_address.hpp). The key of every per-client bound.
std::string client_of(const service::Services& s, const http::RequestContext& ctx);

// Seconds a client refused at a capacity bound is told to wait (Retry-After): long-polls past
// their cap here, connections past theirs in http/server.cpp (the same value).
inline constexpr const char* kRetryAfterCapacity = "2";
// Retry-After of 503 backend_full (Redis out of memory): it waits for an operator, so longer.
inline constexpr const char* kRetryAfterBackendFull = "5";

// The one place a store error becomes an HTTP status; resource_exhausted (429) and backend_full
// (503) carry Retry-After.
http::Response store_error_response(const http::Request& req, boost::system::error_code ec);

// A report refused for its token's binding (core/player_bindings.hpp): 403 player_mismatch,
// or 503 too_many_players (with Retry-After) when the binding table is full.
http::Response binding_refusal(const http::Request& req, core::BindVerdict verdict,
                               http::ExtraHeaders headers = {});

// A heartbeat refused for its stream (service::Audience::check_stream): 400 unknown_stream, or 403
// wrong_stream for a token scoped to another stream. Nullopt for any other outcome.
std::optional<http::Response> stream_refusal(const http::Request& req,
                                             const service::HeartbeatOutcome& outcome,
                                             http::ExtraHeaders headers = {});

// A refusal of the catalog's rules as the contract's error: 400 invalid_stream (a bad id, name
// or URL), 404 stream_not_found, 409 default_stream or catalog_full. Each changes nothing.
http::Response catalog_refusal(const http::Request& req, const core::StreamProblem& p);

// The `?stream=<id>` of the dashboard routes (/api/dashboard, /api/dashboard/stream,
// /api/history): `id` nullopt when absent (every stream together); else the id of a stream in
// the catalog, or `refusal`: 400 invalid_stream for an id that breaks the rules, 404
// stream_not_found for one not in the catalog (catalog_refusal's). State loop (the catalog).
struct StreamParam {
  std::optional<std::string> id;
  std::optional<http::Response> refusal;
};
StreamParam stream_param(const service::Services& s, const http::RequestContext& ctx);

}  // namespace streampulse::api
