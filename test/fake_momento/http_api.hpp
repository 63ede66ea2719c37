#pragma once
// Shared pieces of the HTTP API routes (/topics, /cache): CORS answers and the credential
// rules (Authorization header or ?token=, never both).
#include "token_service.hpp"

#include "streampulse/http/types.hpp"

#include <optional>
#include <string>
#include <variant>

namespace streampulse::testing::fake {

struct State;

// Text answer with Access-Control-Allow-Origin: * (players call the API from other origins).
http::Response api_text(const http::Request& req, boost::beast::http::status status,
                        std::string body,
                        std::string_view content_type = "text/plain; charset=utf-8");
http::Response api_empty(const http::Request& req, boost::beast::http::status status);
// OPTIONS: GET, POST, PUT, DELETE with Authorization and Content-Type.
http::Response api_preflight(const http::Request& req);

// A decoded query parameter.
std::optional<std::string> query_param(const http::RequestContext& ctx, std::string_view name);

struct Caller {
  bool service = false;  // the service's key: may do anything
  Claims claims;         // a disposable token's grants otherwise
};

// The caller of an HTTP API request, or the refusal: 400 for both header and ?token=, 401 for
// none, garbage or an expired token. Accepts the v1 wrapper around keys and tokens, and HTTP
// Basic with the key as password (MediaLive's form for PUT /cache).
std::variant<Caller, http::Response> authenticate(const State& state,
                                                  const http::RequestContext& ctx);

}  // namespace streampulse::testing::fake
