#pragma once
// Momento credentials (docs/momento.md §11.1): which kind of key we were given, what goes into
// the authorization headers, and which hosts serve each kind of request. Pure: no environment
// reads, no I/O; the caller passes MOMENTO_API_KEY, MOMENTO_ENDPOINT and
// STREAMPULSE_MOMENTO_BASE_URL.
#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace streampulse::momento {

enum class CredentialKind {
  v1,      // base64 of {"endpoint","api_key"}: v1 API keys and disposable tokens
  v2,      // a JWT with "t":"g"; the endpoint comes separately (MOMENTO_ENDPOINT)
  legacy,  // a JWT with claims "c" (cache host) and "cp" (control host)
};

// Where one kind of request goes.
struct Endpoint {
  std::string host;  // also the TLS SNI name
  std::uint16_t port = 443;
  bool tls = true;
  // "host" or "host:port" when the port is not the scheme's default: the Host header.
  std::string authority() const;
  // "https://web.cache.<base>" or "http://127.0.0.1:9000".
  std::string url() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct Hosts {
  Endpoint cache;      // gRPC data plane: cache.<base>
  Endpoint control;    // gRPC control plane: control.<base>
  Endpoint token;      // gRPC token service: token.<base>
  Endpoint http_api;   // HTTP API (REST scalars, topics): api.cache.<base>
  Endpoint web_cache;  // gRPC-Web data plane: web.cache.<base>
  Endpoint web_token;  // gRPC-Web token service: web.token.<base>
};

struct Credentials {
  CredentialKind kind = CredentialKind::v1;
  // For the gRPC `authorization` header and the token service's auth_token: the inner api_key
  // of a v1 key, the whole string otherwise.
  std::string auth_token;
  // For the HTTP API's Authorization header: the string as given (it accepts the v1 wrapper,
  // which is what browsers are handed).
  std::string http_api_token;
  std::string endpoint;  // the base host; empty for legacy tokens
  Hosts hosts;
  bool base_url_override = false;  // every request goes to one base (tests, proxies)

  // For logs, never containing a secret: "v1 key for endpoint cell-1.example.com".
  std::string describe() const;
};

struct CredentialError {
  std::string message;
};

[[noreturn]] void throw_exception_from_error(const CredentialError& e,
                                             const boost::source_location& loc);

// Detection order as in the SDKs: base64 JSON (v1), else a JWT with "t":"g" (v2, which needs
// `endpoint`), else a legacy JWT. `endpoint` is ignored for v1 and legacy credentials, which
// carry their own. A non-empty `base_url` ("http://127.0.0.1:9000") replaces every host.
boost::system::result<Credentials, CredentialError> parse_credentials(
    std::string_view key, std::string_view endpoint = {}, std::string_view base_url = {});

}  // namespace streampulse::momento
