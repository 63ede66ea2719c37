// Tokens of the embedded backend: format, signature, expiry, grants, and hostile input.
#include "streampulse/core/token_authority.hpp"
#include "run_awaitable.hpp"
#include "streampulse/core/error.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <string>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using streampulse::errc;
using streampulse::make_error_code;
using streampulse::core::ManualClock;
using streampulse::core::TokenAuthority;
using streampulse::core::TokenClaims;
using streampulse::core::TopicAction;
using streampulse::store::ViewerToken;

const auto kUnauthenticated = make_error_code(errc::unauthenticated);
const auto kDenied = make_error_code(errc::permission_denied);

// An independent base64url (no padding), to build tokens by hand.
std::string b64url(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

// A token for arbitrary claims text, signed with `key` as the format prescribes.
std::string sign(std::string_view key, std::string_view claims_json) {
  const std::string body = b64url(claims_json);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  return body + "." + b64url({reinterpret_cast<const char*>(mac), len});
}

class TokenAuthorityTest : public ::testing::Test {
 protected:
  ViewerToken vend(std::chrono::seconds valid_for = 900s, std::string token_id = "p-1") {
    return streampulse::testing::run_awaitable(
               io_, authority_.vend_viewer_token("stream", "viewerCount", valid_for,
                                                 std::move(token_id)))
        .value();
  }
  boost::system::error_code check(std::string_view token, std::string_view topic,
                                  TopicAction action, std::string_view cache = "video") {
    auto r = authority_.verify(token, cache, topic, action);
    return r ? boost::system::error_code{} : r.error();
  }

  const std::string key_ = "test-key";
  asio::io_context io_;
  ManualClock clock_{1'700'000'000'000};
  TokenAuthority authority_{clock_, "video", key_};
  const std::int64_t exp_ = 1'700'000'060'000;
};

TEST_F(TokenAuthorityTest, TokenIsBase64JsonDotHmac) {
  TokenClaims claims{"video", {{"stream", true, false}}, exp_, "t1"};
  const std::string token = authority_.issue(claims);
  EXPECT_EQ(token, sign(key_, R"({"c":"video","g":[{"t":"stream","p":true,"s":false}],)"
                              R"("exp":1700000060000,"id":"t1"})"));
  EXPECT_EQ(token.find('='), std::string::npos);
}

TEST_F(TokenAuthorityTest, RoundTripReturnsClaims) {
  TokenClaims claims{"video", {{"a", true, false}, {"b", true, true}}, exp_, "tok-9"};
  const auto r = authority_.verify(authority_.issue(claims), "video", "b", TopicAction::subscribe);
  ASSERT_TRUE(r) << r.error().message();
  const TokenClaims got = r.value();
  EXPECT_EQ(got.cache, "video");
  EXPECT_EQ(got.token_id, "tok-9");
  EXPECT_EQ(got.expires_at_ms, exp_);
  ASSERT_EQ(got.grants.size(), 2u);
  EXPECT_EQ(got.grants[0].topic, "a");
  EXPECT_TRUE(got.grants[0].publish);
  EXPECT_FALSE(got.grants[0].subscribe);
  EXPECT_TRUE(got.grants[1].subscribe);
}

TEST_F(TokenAuthorityTest, ViewerTokenIsScoped) {
  const ViewerToken t = vend(900s);
  EXPECT_EQ(t.expires_at_ms, clock_.now_ms() + 900'000);
  EXPECT_TRUE(t.topics_base_url.empty());
  EXPECT_EQ(check(t.token, "stream", TopicAction::publish), boost::system::error_code{});
  EXPECT_EQ(check(t.token, "viewerCount", TopicAction::subscribe), boost::system::error_code{});
  EXPECT_EQ(check(t.token, "stream", TopicAction::subscribe), kDenied);
  EXPECT_EQ(check(t.token, "viewerCount", TopicAction::publish), kDenied);
  EXPECT_EQ(check(t.token, "reactions", TopicAction::subscribe), kDenied);
  EXPECT_EQ(check(t.token, "stream", TopicAction::publish, "other-cache"), kDenied);

  const std::string id =
      authority_.verify(t.token, "video", "stream", TopicAction::publish).value().token_id;
  EXPECT_EQ(id, "p-1");  // the token id the caller chose (the player id), carried as signed
  EXPECT_EQ(authority_.verify(vend(900s, "p-2").token, "video", "stream", TopicAction::publish)
                .value()
                .token_id,
            "p-2");
}

TEST_F(TokenAuthorityTest, ExpiredTokenIsUnauthenticated) {
  const ViewerToken t = vend(60s);
  clock_.advance(59'999);
  EXPECT_EQ(check(t.token, "stream", TopicAction::publish), boost::system::error_code{});
  clock_.advance(1);
  EXPECT_EQ(check(t.token, "stream", TopicAction::publish), kUnauthenticated);
  // Expiry is checked before grants: an expired token is never merely "denied".
  EXPECT_EQ(check(t.token, "nope", TopicAction::publish), kUnauthenticated);
}

TEST_F(TokenAuthorityTest, ForgedSignatureIsUnauthenticated) {
  TokenAuthority other(clock_, "video", "another-key");
  TokenClaims claims{"video", {{"stream", true, true}}, exp_, "x"};
  EXPECT_EQ(check(other.issue(claims), "stream", TopicAction::publish), kUnauthenticated);
  std::string token = authority_.issue(claims);
  token.back() = token.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(check(token, "stream", TopicAction::publish), kUnauthenticated);
  token = authority_.issue(claims);
  token.resize(token.size() - 1);  // truncated MAC
  EXPECT_EQ(check(token, "stream", TopicAction::publish), kUnauthenticated);
}

TEST_F(TokenAuthorityTest, TamperedClaimsAreUnauthenticated) {
  TokenClaims claims{"video", {{"stream", false, true}}, exp_, "x"};
  const std::string token = authority_.issue(claims);
  const std::string mac = token.substr(token.find('.'));
  const std::string widened = b64url(
      R"({"c":"video","g":[{"t":"stream","p":true,"s":true}],"exp":1700000060000,"id":"x"})");
  EXPECT_EQ(check(widened + mac, "stream", TopicAction::publish), kUnauthenticated);
  EXPECT_EQ(check(token, "stream", TopicAction::publish), kDenied);
}

TEST_F(TokenAuthorityTest, GarbageIsUnauthenticated) {
  const std::string valid = vend().token;
  const std::string body = valid.substr(0, valid.find('.'));
  for (const std::string& garbage :
       {std::string{}, std::string("."), std::string(".."), std::string("abc"), std::string("abc."),
        std::string(".abc"), valid + ".x", body + ".!!!!", body + ".a", "a" + valid,
        std::string(100'000, 'A') + "." + std::string(43, 'A'), std::string("\0.\0", 3),
        std::string("%%%.$$$"), body + "=." + valid.substr(body.size() + 1)}) {
    EXPECT_EQ(check(garbage, "stream", TopicAction::publish), kUnauthenticated) << garbage;
  }
}

// Correctly signed, but the claims are not what we issue: still unauthenticated, no crash.
TEST_F(TokenAuthorityTest, SignedButMalformedClaimsAreUnauthenticated) {
  for (
      const char* claims : {
          "not json",
          "[]",
          "{}",
          "null",
          R"({"c":"video","g":[{"t":"stream","p":true,"s":true}],"exp":1700000060000})",
          R"({"c":1,"g":[],"exp":1700000060000,"id":"x"})",
          R"({"c":"video","g":{},"exp":1700000060000,"id":"x"})",
          R"({"c":"video","g":[1],"exp":1700000060000,"id":"x"})",
          R"({"c":"video","g":[{"t":"stream","p":1,"s":true}],"exp":1700000060000,"id":"x"})",
          R"({"c":"video","g":[{"t":"stream","p":true,"s":true}],"exp":"soon","id":"x"})",
          R"({"c":"video","g":[{"t":"stream","p":true,"s":true}],"exp":1.7e12,"id":"x"})",
          R"({"c":"video","g":[{"t":"stream","p":true,"s":true}],"exp":99999999999999999999,"id":"x"})",
          "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]",
      }) {
    EXPECT_EQ(check(sign(key_, claims), "stream", TopicAction::publish), kUnauthenticated)
        << claims;
  }
  // The same, well formed, passes: the cases above fail for their content alone.
  EXPECT_EQ(check(sign(key_, R"({"c":"video","g":[{"t":"stream","p":true,"s":true}],)"
                             R"("exp":1700000060000,"id":"x"})"),
                  "stream", TopicAction::publish),
            boost::system::error_code{});
}

TEST(TokenAuthorityKeyTest, EmptyKeyMeansRandomPerAuthority) {
  ManualClock clock;
  TokenAuthority a(clock, "video"), b(clock, "video");
  TokenClaims claims{"video", {{"t", true, true}}, clock.now_ms() + 1000, "x"};
  EXPECT_TRUE(a.verify(a.issue(claims), "video", "t", TopicAction::publish));
  EXPECT_EQ(b.verify(a.issue(claims), "video", "t", TopicAction::publish).error(),
            make_error_code(errc::unauthenticated));
}

}  // namespace
