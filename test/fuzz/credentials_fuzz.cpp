// parse_credentials on "<key>\n<endpoint>\n<base_url>". Accepted credentials must be usable:
// every host non-empty (but see the legacy control host), ports non-zero, an auth token present,
// and describe() (logged at start) free of the secret unless the input itself put it in a host
// name.
#include "fuzz_check.hpp"
#include "streampulse/momento/credentials.hpp"

using namespace streampulse;
using namespace streampulse::momento;

namespace {

void check_endpoint(const Endpoint& e) {
  FUZZ_CHECK(!e.host.empty());
  FUZZ_CHECK(e.port != 0);
  FUZZ_CHECK(e.url().starts_with(e.tls ? "https://" : "http://"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto f = fuzz::split_fields(fuzz::as_view(data, size), 3);
  auto c = parse_credentials(f[0], f[1], f[2]);
  if (!c) {
    FUZZ_CHECK(!c.error().message.empty());
    return 0;
  }
  FUZZ_CHECK(!c->auth_token.empty() && !c->http_api_token.empty());
  for (const auto* e : {&c->hosts.cache, &c->hosts.token, &c->hosts.http_api, &c->hosts.web_cache,
                        &c->hosts.web_token}) {
    check_endpoint(*e);
  }
  // A legacy token may omit "cp": its control host is then empty (nothing uses it yet).
  if (c->kind != CredentialKind::legacy || !c->hosts.control.host.empty())
    check_endpoint(c->hosts.control);
  FUZZ_CHECK(!c->base_url_override || !f[2].empty());
  const auto text = c->describe();
  if (c->auth_token.size() >= 8 && c->hosts.cache.host.find(c->auth_token) == std::string::npos &&
      c->endpoint.find(c->auth_token) == std::string::npos) {
    FUZZ_CHECK(text.find(c->auth_token) == std::string::npos);
  }
  return 0;
}
