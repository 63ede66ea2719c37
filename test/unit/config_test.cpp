#include "streampulse/config/config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using streampulse::config::parse_serve_config;

namespace {

streampulse::config::ParsedConfig parse(std::vector<std::string> args) {
  std::vector<const char*> argv{"streampulse"};
  for (auto& a : args) argv.push_back(a.c_str());
  return parse_serve_config(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST(Config, LogLevelIsCaseInsensitive) {
  auto p = parse({"--log-level", "INFO"});
  ASSERT_FALSE(p.exit) << p.message;
  EXPECT_EQ(p.config.log_level, "info");
  EXPECT_EQ(parse({"--log-level", "Warning"}).config.log_level, "warn");
}

// spdlog reads an unknown level as "off": a typo would silence the service.
TEST(Config, UnknownLogLevelIsRefused) {
  auto p = parse({"--log-level", "verbose"});
  EXPECT_TRUE(p.exit);
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.message.find("verbose"), std::string::npos) << p.message;
}

TEST(Config, TrustedProxiesAreChecked) {
  auto ok = parse({"--trusted-proxies", "10.0.0.0/8, 127.0.0.1"});
  ASSERT_FALSE(ok.exit) << ok.message;
  EXPECT_EQ(ok.config.trusted_proxies.size(), 2u);
  auto bad = parse({"--trusted-proxies", "10.0.0.0/40"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.message.find("10.0.0.0/40"), std::string::npos) << bad.message;
}

TEST(Config, TokenRateMustNotBeNegative) {
  EXPECT_EQ(parse({"--tokens-per-address-per-minute", "-1"}).exit_code, 2);
  EXPECT_FALSE(parse({"--tokens-per-address-per-minute", "0"}).exit);
}

TEST(Config, TheDefaultStreamIdIsMainAndFollowsTheStreamRules) {
  EXPECT_EQ(parse({}).config.stream_id, "main");
  auto ok = parse({"--stream-id", "lobby", "--stream-url", "https://cdn.example.com/x.m3u8"});
  ASSERT_FALSE(ok.exit) << ok.message;
  EXPECT_EQ(ok.config.stream_id, "lobby");
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--stream-id", "a/b"},
                                              {"--stream-url", "javascript:x"},
                                              {"--stream-name", ""}}) {
    auto p = parse(bad);
    EXPECT_EQ(p.exit_code, 2) << bad[0];
    EXPECT_NE(p.message.find("default stream"), std::string::npos) << p.message;
  }
}
