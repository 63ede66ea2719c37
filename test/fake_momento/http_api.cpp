#include "http_api.hpp"

#include "state.hpp"

#include "momento/base64.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>

namespace streampulse::testing::fake {

namespace bh = boost::beast::http;

namespace {

template <class Message>
void cors(Message& res) {
  res.set(bh::field::access_control_allow_origin, "*");
}

}  // namespace

http::Response api_text(const http::Request& req, bh::status status, std::string body,
                        std::string_view content_type) {
  bh::response<bh::string_body> res{status, req.version()};
  res.set(bh::field::content_type, content_type);
  cors(res);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http::Response api_empty(const http::Request& req, bh::status status) {
  bh::response<bh::empty_body> res{status, req.version()};
  cors(res);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

http::Response api_preflight(const http::Request& req) {
  bh::response<bh::empty_body> res{bh::status::no_content, req.version()};
  cors(res);
  res.set(bh::field::access_control_allow_methods, "GET, POST, PUT, DELETE");
  res.set(bh::field::access_control_allow_headers, "Authorization, Content-Type");
  res.set(bh::field::access_control_max_age, "86400");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

std::optional<std::string> query_param(const http::RequestContext& ctx, std::string_view name) {
  for (const auto& p : ctx.target.params()) {
    if (p.key == name) return std::string(p.value);
  }
  return std::nullopt;
}

std::variant<Caller, http::Response> authenticate(const State& state,
                                                  const http::RequestContext& ctx) {
  const auto& req = ctx.request;
  const bool has_header = req.find(bh::field::authorization) != req.end();
  auto query = query_param(ctx, "token");
  if (has_header && query) {
    return api_text(req, bh::status::bad_request,
                    "Provide the token in the Authorization header or the token query "
                    "parameter, not both");
  }
  std::string credential;
  if (has_header) {
    credential = std::string(req[bh::field::authorization]);
    if (credential.starts_with("Basic ")) {  // user "momento", password = the key
      const auto decoded = momento::detail::base64_decode(credential.substr(6));
      const auto colon = decoded ? decoded->find(':') : std::string::npos;
      if (colon != std::string::npos) credential = decoded->substr(colon + 1);
    }
  } else if (query) {
    credential = std::move(*query);
    // An unencoded '+' of base64 arrives as a space in a query.
    for (char& c : credential) c = c == ' ' ? '+' : c;
  }
  if (credential.empty()) return api_text(req, bh::status::unauthorized, "Unauthorized");
  if (state.is_service_key(credential)) return Caller{true, {}};
  auto claims = state.tokens.verify(unwrap_credential(credential));
  if (!claims) return api_text(req, bh::status::unauthorized, "Invalid or expired token");
  return Caller{false, std::move(*claims)};
}

}  // namespace streampulse::testing::fake
