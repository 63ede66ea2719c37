#include "streampulse/momento/credentials.hpp"

#include <gtest/gtest.h>

using namespace streampulse::momento;

namespace {

// base64 of {"endpoint":"cell-1.example.com","api_key":"key-0~~?>"}: the standard alphabet
// has a '+' where the URL-safe one has a '-'.
constexpr const char* kV1Standard =
    "eyJlbmRwb2ludCI6ImNlbGwtMS5leGFtcGxlLmNvbSIsImFwaV9rZXkiOiJrZXktMH5+Pz4ifQ==";
constexpr const char* kV1UrlSafe =
    "eyJlbmRwb2ludCI6ImNlbGwtMS5leGFtcGxlLmNvbSIsImFwaV9rZXkiOiJrZXktMH5-Pz4ifQ==";
constexpr const char* kV1UrlSafeUnpadded =
    "eyJlbmRwb2ludCI6ImNlbGwtMS5leGFtcGxlLmNvbSIsImFwaV9rZXkiOiJrZXktMH5-Pz4ifQ";
// JWT payload {"t":"g","jti":"some-id"} (the JS SDK's v2 fixture).
constexpr const char* kV2Key =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0IjoiZyIsImp0aSI6InNvbWUtaWQifQ.sig";
// JWT payload {"sub":"dev","cp":"control.cell-1.example.com","c":"cache.cell-1.example.com"}.
constexpr const char* kLegacy =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJkZXYiLCJjcCI6ImNvbnRyb2wuY2VsbC0xLmV4YW1wbGUuY29tIiwiYyI6ImNhY2hlLmNlbGwtMS5leGFt"
    "cGxlLmNvbSJ9.sig";

void expect_hosts_for_base(const Hosts& h, const std::string& base) {
  EXPECT_EQ(h.cache, (Endpoint{"cache." + base, 443, true}));
  EXPECT_EQ(h.control, (Endpoint{"control." + base, 443, true}));
  EXPECT_EQ(h.token, (Endpoint{"token." + base, 443, true}));
  EXPECT_EQ(h.http_api.url(), "https://api.cache." + base);
  EXPECT_EQ(h.web_cache.url(), "https://web.cache." + base);
  EXPECT_EQ(h.web_token.url(), "https://web.token." + base);
}

}  // namespace

TEST(MomentoCredentials, V1KeyInEitherAlphabetWithOrWithoutPadding) {
  for (const char* key : {kV1Standard, kV1UrlSafe, kV1UrlSafeUnpadded}) {
    auto c = parse_credentials(key);
    ASSERT_TRUE(c) << key << ": " << c.error().message;
    EXPECT_EQ(c->kind, CredentialKind::v1);
    EXPECT_EQ(c->auth_token, "key-0~~?>");  // the inner api_key goes to gRPC
    EXPECT_EQ(c->http_api_token, key);      // the HTTP API takes the wrapper as given
    EXPECT_EQ(c->endpoint, "cell-1.example.com");
    expect_hosts_for_base(c->hosts, "cell-1.example.com");
    EXPECT_FALSE(c->base_url_override);
  }
}

TEST(MomentoCredentials, V1KeyIgnoresAGivenEndpointAndSurroundingWhitespace) {
  auto c = parse_credentials(std::string(kV1Standard) + "\n", "other.example.com");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->endpoint, "cell-1.example.com");
  EXPECT_EQ(c->http_api_token, kV1Standard);
}

TEST(MomentoCredentials, V2KeyTakesTheEndpointGivenSeparately) {
  auto c = parse_credentials(kV2Key, "cell-4-us-west-2-1.prod.a.momentohq.com");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->kind, CredentialKind::v2);
  EXPECT_EQ(c->auth_token, kV2Key);
  EXPECT_EQ(c->http_api_token, kV2Key);
  expect_hosts_for_base(c->hosts, "cell-4-us-west-2-1.prod.a.momentohq.com");
}

TEST(MomentoCredentials, V2KeyWithoutEndpointIsAnError) {
  auto c = parse_credentials(kV2Key);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("MOMENTO_ENDPOINT"), std::string::npos);
  EXPECT_FALSE(parse_credentials(kV2Key, "https://cell-1.example.com"));  // not a bare host
}

TEST(MomentoCredentials, LegacyJwtNamesItsHosts) {
  auto c = parse_credentials(kLegacy);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->kind, CredentialKind::legacy);
  EXPECT_EQ(c->auth_token, kLegacy);
  EXPECT_EQ(c->hosts.cache.host, "cache.cell-1.example.com");
  EXPECT_EQ(c->hosts.control.host, "control.cell-1.example.com");
  EXPECT_EQ(c->hosts.token.host, "cache.cell-1.example.com");  // as the JS SDK does
  EXPECT_EQ(c->hosts.http_api.host, "api.cache.cell-1.example.com");
  EXPECT_EQ(c->hosts.web_cache.host, "web.cache.cell-1.example.com");
  EXPECT_EQ(c->describe(), "legacy token for cache host cache.cell-1.example.com");
}

TEST(MomentoCredentials, GarbageIsAnErrorValueNotAnException) {
  for (const char* key : {
           "",
           "   ",
           "hello world!",
           "bm90IGpzb24gYXQgYWxs",                          // base64 of "not json at all"
           "eyJlbmRwb2ludCI6ImNlbGwtMS5leGFtcGxlLmNvbSJ9",  // {"endpoint":...} without api_key
           "a.b.c",
           "eyJhbGciOiJIUzI1NiJ9.e30.sig",  // a JWT with no claims we know
           "QQ===",
       }) {
    auto c = parse_credentials(key, "cell-1.example.com");
    ASSERT_FALSE(c) << key;
    EXPECT_FALSE(c.error().message.empty());
  }
}

TEST(MomentoCredentials, BaseUrlOverrideSendsEveryRequestToOneBase) {
  auto c = parse_credentials(kV1Standard, "", "http://127.0.0.1:9000");
  ASSERT_TRUE(c) << c.error().message;
  const Endpoint expected{"127.0.0.1", 9000, false};
  for (const auto* e : {&c->hosts.cache, &c->hosts.control, &c->hosts.token, &c->hosts.http_api,
                        &c->hosts.web_cache, &c->hosts.web_token}) {
    EXPECT_EQ(*e, expected);
  }
  EXPECT_TRUE(c->base_url_override);
  EXPECT_EQ(c->hosts.web_cache.url(), "http://127.0.0.1:9000");
  EXPECT_EQ(c->hosts.web_cache.authority(), "127.0.0.1:9000");
  EXPECT_EQ(c->auth_token, "key-0~~?>");  // the credential itself is unchanged

  auto tls = parse_credentials(kV2Key, "cell-1.example.com", "https://proxy.internal/");
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_EQ(tls->hosts.token, (Endpoint{"proxy.internal", 443, true}));
  EXPECT_EQ(tls->hosts.token.authority(), "proxy.internal");
}

TEST(MomentoCredentials, BadBaseUrlsAreRejected) {
  for (const char* url : {"127.0.0.1:9000", "ftp://host", "http://host:9000/momento",
                          "http://host?x=1", "http://user:pw@host", "http://[::1]:9000"}) {
    auto c = parse_credentials(kV1Standard, "", url);
    ASSERT_FALSE(c) << url;
    EXPECT_NE(c.error().message.find("STREAMPULSE_MOMENTO_BASE_URL"), std::string::npos);
  }
}

TEST(MomentoCredentials, DescriptionNeverContainsTheSecret) {
  auto v1 = parse_credentials(kV1Standard);
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->describe(), "v1 key for endpoint cell-1.example.com");
  auto v2 = parse_credentials(kV2Key, "cell-1.example.com", "http://127.0.0.1:9000");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->describe(),
            "v2 key for endpoint cell-1.example.com, every request to "
            "http://127.0.0.1:9000");
  EXPECT_EQ(v2->describe().find("sig"), std::string::npos);
}
