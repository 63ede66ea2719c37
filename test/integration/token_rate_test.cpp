// Viewer tokens per client address (STREAMPULSE_TOKENS_PER_ADDRESS_PER_MINUTE): 429 with
// Retry-After past the bucket, keyed on the peer or on what a trusted proxy forwards.
#include "backends.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;

namespace {

std::uint64_t metric(unsigned short port, const std::string& sample) {
  const auto body = http_get(port, "/metrics").body;
  const auto at = body.find("\n" + sample + " ");
  if (at == std::string::npos) throw std::runtime_error("no metric " + sample);
  return std::stoull(body.substr(at + sample.size() + 2));
}

std::string error_code(const HttpResult& r) {
  return std::string(json::parse(r.body).at("error").as_string());
}

}  // namespace

TEST(TokenRate, PastItsBucketAnAddressGets429WithRetryAfterAndForgedForwardingChangesNothing) {
  ServiceOn service(Backend::embedded,
                    [](config::Config& c) { c.tokens_per_address_per_minute = 5; });
  const auto port = service.port();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(http_get(port, "/api/player-config").status, 200u) << i;
  auto r = http_get(port, "/api/player-config");
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(error_code(r), "too_many_tokens");
  // 5 a minute: one every 12 s (11 when the five requests took over a second).
  EXPECT_TRUE(r.headers["retry-after"] == "12" || r.headers["retry-after"] == "11")
      << r.headers["retry-after"];
  // The peer (127.0.0.1) is no trusted proxy: its X-Forwarded-For is the client's own claim.
  r = http_get(port, "/api/player-config", {{"x-forwarded-for", "203.0.113.77"}});
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(metric(port, R"(streampulse_tokens_refused_total{reason="rate"})"), 2u);
  EXPECT_EQ(metric(port, "streampulse_tokens_issued_total"), 5u);
}

TEST(TokenRate, BehindATrustedProxyEachForwardedClientHasItsOwnBucket) {
  ServiceOn service(Backend::embedded, [](config::Config& c) {
    c.tokens_per_address_per_minute = 3;
    c.trusted_proxies = {"127.0.0.1"};
  });
  const auto port = service.port();
  const std::map<std::string, std::string> a{{"x-forwarded-for", "198.51.100.7"}};
  for (int i = 0; i < 3; ++i) ASSERT_EQ(http_get(port, "/api/player-config", a).status, 200u);
  auto r = http_get(port, "/api/player-config", a);
  EXPECT_EQ(r.status, 429u);
  EXPECT_TRUE(r.headers["retry-after"] == "20" || r.headers["retry-after"] == "19")
      << r.headers["retry-after"];
  // The client's own claim left of the proxy's entry is not believed: still 198.51.100.7.
  EXPECT_EQ(
      http_get(port, "/api/player-config", {{"x-forwarded-for", "10.9.9.9, 198.51.100.7"}}).status,
      429u);
  EXPECT_EQ(http_get(port, "/api/player-config", {{"x-forwarded-for", "198.51.100.8"}}).status,
            200u);
  EXPECT_EQ(http_get(port, "/api/player-config").status, 200u);  // the proxy itself
}

TEST(TokenRate, ZeroMeansNoLimit) {
  ServiceOn service(Backend::embedded,
                    [](config::Config& c) { c.tokens_per_address_per_minute = 0; });
  for (int i = 0; i < 700; ++i)
    ASSERT_EQ(http_get(service.port(), "/api/player-config").status, 200u) << i;
}
