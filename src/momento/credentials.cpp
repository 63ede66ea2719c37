#include "streampulse/momento/credentials.hpp"

#include "base64.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <optional>
#include <stdexcept>
#include <vector>

namespace streampulse::momento {

namespace json = boost::json;
using Result = boost::system::result<Credentials, CredentialError>;

void throw_exception_from_error(const CredentialError& e, const boost::source_location&) {
  throw std::invalid_argument(e.message);
}

std::string Endpoint::authority() const {
  const std::uint16_t default_port = tls ? 443 : 80;
  return port == default_port ? host : host + ":" + std::to_string(port);
}

std::string Endpoint::url() const { return (tls ? "https://" : "http://") + authority(); }

std::string Credentials::describe() const {
  std::string out;
  switch (kind) {
    case CredentialKind::v1:
      out = "v1 key for endpoint " + endpoint;
      break;
    case CredentialKind::v2:
      out = "v2 key for endpoint " + endpoint;
      break;
    case CredentialKind::legacy:
      out = "legacy token for cache host " + hosts.cache.host;
      break;
  }
  if (base_url_override) out += ", every request to " + hosts.cache.url();
  return out;
}

namespace {

CredentialError fail(std::string message) { return {std::move(message)}; }

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// A bare DNS name: what Momento puts in "endpoint", "c" and "cp" (no scheme, port or path).
bool is_host_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::string string_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

Endpoint https(std::string host) { return {std::move(host), 443, true}; }

Hosts hosts_for_base(const std::string& base) {
  return {https("cache." + base),     https("control." + base),   https("token." + base),
          https("api.cache." + base), https("web.cache." + base), https("web.token." + base)};
}

// Legacy tokens name the cache and control hosts; the JS SDK also uses the cache host for the
// token service, and the web hosts are "web." + the derived host.
Hosts hosts_for_legacy(const std::string& cache, const std::string& control) {
  return {https(cache),          https(control),        https(cache),
          https("api." + cache), https("web." + cache), https("web." + cache)};
}

boost::system::result<Endpoint, CredentialError> parse_base_url(std::string_view text) {
  auto u = boost::urls::parse_absolute_uri(text);
  const std::string shown = "STREAMPULSE_MOMENTO_BASE_URL '" + std::string(text) + "'";
  if (!u) return fail(shown + " is not an absolute URL");
  if (u->scheme() != "http" && u->scheme() != "https")
    return fail(shown + " must start with http:// or https://");
  if (u->has_userinfo() || u->has_query() || u->has_fragment() ||
      (!u->encoded_path().empty() && u->encoded_path() != "/"))
    return fail(shown + " must be scheme://host[:port] only");
  if (u->host_type() == boost::urls::host_type::ipv6 ||
      u->host_type() == boost::urls::host_type::ipvfuture)
    return fail(shown + ": IPv6 literals are not supported");
  Endpoint e{std::string(u->host_address()), 0, u->scheme() == "https"};
  if (e.host.empty()) return fail(shown + " has no host");
  if (!u->has_port()) {
    e.port = e.tls ? 443 : 80;
  } else if (u->port_number() == 0) {
    return fail(shown + " has an invalid port");
  } else {
    e.port = u->port_number();
  }
  return e;
}

Result from_v1(std::string_view key, const std::string& decoded) {
  auto o = parse_object(decoded);
  if (!o) return fail("the key is base64 but not Momento's {\"endpoint\",\"api_key\"} JSON");
  Credentials c;
  c.kind = CredentialKind::v1;
  c.auth_token = string_field(*o, "api_key");
  c.endpoint = string_field(*o, "endpoint");
  if (c.auth_token.empty()) return fail("the v1 key has no \"api_key\"");
  if (!is_host_name(c.endpoint)) return fail("the v1 key has no valid \"endpoint\"");
  c.http_api_token = std::string(key);
  c.hosts = hosts_for_base(c.endpoint);
  return c;
}

Result from_jwt(std::string_view key, std::string_view endpoint) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const auto payload = parts.size() == 3 ? detail::base64_decode(parts[1]) : std::nullopt;
  const auto claims = payload ? parse_object(*payload) : std::nullopt;
  if (!claims) return fail("the key is neither a Momento v1 key (base64 JSON) nor a JWT");
  Credentials c;
  c.auth_token = std::string(key);
  c.http_api_token = c.auth_token;
  if (string_field(*claims, "t") == "g") {
    c.kind = CredentialKind::v2;
    if (endpoint.empty()) return fail("a v2 API key needs its endpoint: set MOMENTO_ENDPOINT");
    if (!is_host_name(endpoint))
      return fail("MOMENTO_ENDPOINT '" + std::string(endpoint) + "' is not a bare host name");
    c.endpoint = std::string(endpoint);
    c.hosts = hosts_for_base(c.endpoint);
    return c;
  }
  c.kind = CredentialKind::legacy;
  const std::string cache = string_field(*claims, "c");
  const std::string control = string_field(*claims, "cp");
  if (!is_host_name(cache)) return fail("the token has neither \"t\":\"g\" nor a \"c\" host");
  if (!control.empty() && !is_host_name(control))
    return fail("the token's \"cp\" claim is not a host name");
  c.hosts = hosts_for_legacy(cache, control);
  return c;
}

}  // namespace

Result parse_credentials(std::string_view key, std::string_view endpoint,
                         std::string_view base_url) {
  key = trim(key);
  endpoint = trim(endpoint);
  base_url = trim(base_url);
  if (key.empty()) return fail("no Momento API key given (MOMENTO_API_KEY)");
  // A JWT has dots, so it never decodes as base64: the order cannot misclassify either form.
  auto decoded = detail::base64_decode(key);
  auto creds = decoded ? from_v1(key, *decoded) : from_jwt(key, endpoint);
  if (!creds || base_url.empty()) return creds;
  auto base = parse_base_url(base_url);
  if (!base) return base.error();
  creds->hosts = {*base, *base, *base, *base, *base, *base};
  creds->base_url_override = true;
  return creds;
}

}  // namespace streampulse::momento
