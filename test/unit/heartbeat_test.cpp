#include "streampulse/core/heartbeat.hpp"

#include <gtest/gtest.h>

using namespace streampulse::core;

TEST(Heartbeat, ParsesTheContractExample) {
  auto hb =
      parse_heartbeat(R"({"playerId":"myPlayerId","bitrate":5000,"playTime":21,)"
                      R"("agent":{"os":"macOS","browser":"Google Chrome","device":"Desktop"}})");
  ASSERT_TRUE(hb) << hb.error().message;
  EXPECT_EQ(hb->player_id, "myPlayerId");
  EXPECT_EQ(hb->bitrate, 5000);
  EXPECT_EQ(hb->play_time, 21);
  ASSERT_TRUE(hb->agent);
  EXPECT_EQ(hb->agent->browser, "Google Chrome");
}

TEST(Heartbeat, AgentIsOptionalAndUnknownFieldsAreIgnored) {
  auto hb = parse_heartbeat(
      R"({"playerId":"a_b-9","bitrate":0.5,"playTime":0,"action":"heartbeat","accountId":"x"})");
  ASSERT_TRUE(hb) << hb.error().message;
  EXPECT_FALSE(hb->agent);
  EXPECT_DOUBLE_EQ(hb->bitrate, 0.5);
  auto with_null = parse_heartbeat(R"({"playerId":"p","bitrate":1,"playTime":1,"agent":null})");
  ASSERT_TRUE(with_null);
  EXPECT_FALSE(with_null->agent);
}

struct BadCase {
  const char* name;
  const char* json;
  const char* field;
};

class BadHeartbeat : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadHeartbeat, IsRefusedNamingTheField) {
  const auto& c = GetParam();
  auto hb = parse_heartbeat(c.json);
  ASSERT_FALSE(hb) << c.name;
  EXPECT_EQ(hb.error().field, c.field) << c.name << ": " << hb.error().message;
  EXPECT_FALSE(hb.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadHeartbeat,
    ::testing::Values(
        BadCase{"not_json", "{nope", ""}, BadCase{"array", "[1,2]", ""},
        BadCase{"missing_id", R"({"bitrate":1,"playTime":1})", "playerId"},
        BadCase{"empty_id", R"({"playerId":"","bitrate":1,"playTime":1})", "playerId"},
        BadCase{
            "long_id",
            R"({"playerId":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","bitrate":1,"playTime":1})",
            "playerId"},
        BadCase{"bad_chars", R"({"playerId":"a b","bitrate":1,"playTime":1})", "playerId"},
        BadCase{"slash", R"({"playerId":"a/b","bitrate":1,"playTime":1})", "playerId"},
        BadCase{"numeric_id", R"({"playerId":7,"bitrate":1,"playTime":1})", "playerId"},
        BadCase{"negative_bitrate", R"({"playerId":"p","bitrate":-1,"playTime":1})", "bitrate"},
        BadCase{"string_bitrate", R"({"playerId":"p","bitrate":"5000","playTime":1})", "bitrate"},
        BadCase{"huge_bitrate", R"({"playerId":"p","bitrate":1e300,"playTime":1})", "bitrate"},
        BadCase{"missing_bitrate", R"({"playerId":"p","playTime":1})", "bitrate"},
        BadCase{"bool_playtime", R"({"playerId":"p","bitrate":1,"playTime":true})", "playTime"},
        BadCase{"huge_playtime", R"({"playerId":"p","bitrate":1,"playTime":10000001})", "playTime"},
        BadCase{"agent_string", R"({"playerId":"p","bitrate":1,"playTime":1,"agent":"x"})",
                "agent"},
        BadCase{"agent_os_number", R"({"playerId":"p","bitrate":1,"playTime":1,"agent":{"os":1}})",
                "agent.os"},
        BadCase{
            "agent_browser_long",
            R"({"playerId":"p","bitrate":1,"playTime":1,"agent":{"browser":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}})",
            "agent.browser"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Heartbeat, NaNIsNotJson) {
  EXPECT_FALSE(parse_heartbeat(R"({"playerId":"p","bitrate":NaN,"playTime":1})"));
}

TEST(Heartbeat, AnalyticsJsonRoundTrips) {
  Heartbeat hb;
  hb.player_id = "p1";
  hb.bitrate = 5000;
  hb.play_time = 21.5;
  hb.agent = Agent{"macOS", "Safari", "Desktop"};
  const auto json = to_analytics_json(hb);
  EXPECT_EQ(
      json,
      R"({"bitrate":5000,"playTime":21.5,"agent":{"os":"macOS","browser":"Safari","device":"Desktop"}})");
  auto back = parse_analytics_json("p1", json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->play_time, 21.5);
  EXPECT_EQ(back->agent->browser, "Safari");
}

// The stream travels in the stored entry (restored under it after a restart), but for the
// default stream's players, whose entry is what it was before streams (no streamId).
TEST(Heartbeat, AnalyticsJsonKeepsTheStream) {
  Heartbeat hb;
  hb.player_id = "p1";
  hb.bitrate = 500;
  hb.play_time = 2;
  EXPECT_EQ(to_analytics_json(hb), R"({"bitrate":500,"playTime":2})");
  hb.stream_id = "show-1";
  const auto json = to_analytics_json(hb);
  EXPECT_EQ(json, R"({"bitrate":500,"playTime":2,"streamId":"show-1"})");
  auto back = parse_analytics_json("p1", json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->stream_id, "show-1");
  // A stored id breaking the rules is dropped, not the player.
  auto bad = parse_analytics_json("p1", R"({"bitrate":500,"playTime":2,"streamId":"a/b"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->stream_id, "");
}
