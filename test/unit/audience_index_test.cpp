#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/dashboard.hpp"

#include <gtest/gtest.h>

using namespace streampulse::core;

namespace {
Heartbeat hb(std::string id, double bitrate, double play, std::optional<Agent> agent = {}) {
  Heartbeat h;
  h.player_id = std::move(id);
  h.bitrate = bitrate;
  h.play_time = play;
  h.agent = std::move(agent);
  return h;
}
}  // namespace

TEST(AudienceIndex, TotalsFollowUpsertsAndRemovals) {
  AudienceIndex index;
  index.upsert(hb("a", 500, 10, Agent{"Windows", "Google Chrome", "Desktop"}));
  index.upsert(hb("b", 5000, 20, Agent{"macOS", "Google Chrome", "Desktop"}));
  index.upsert(hb("c", 2000, 33, Agent{"Android", "Firefox", "Mobile"}));
  auto t = index.totals();
  EXPECT_EQ(t.players, 3u);
  EXPECT_DOUBLE_EQ(t.play_time_sum, 63);
  EXPECT_DOUBLE_EQ(t.bitrate_min, 500);
  EXPECT_DOUBLE_EQ(t.bitrate_max, 5000);
  EXPECT_EQ(t.browsers,
            (std::map<std::string, std::uint64_t>{{"google chrome", 2}, {"firefox", 1}}));
  EXPECT_EQ(t.devices, (std::map<std::string, std::uint64_t>{{"desktop", 2}, {"mobile", 1}}));

  // Overwrite: b switches rendition and browser; its old figures leave the totals.
  index.upsert(hb("b", 800, 25, Agent{"macOS", "Safari", "Desktop"}));
  t = index.totals();
  EXPECT_EQ(t.players, 3u);
  EXPECT_DOUBLE_EQ(t.play_time_sum, 68);
  EXPECT_DOUBLE_EQ(t.bitrate_max, 2000);
  EXPECT_EQ(t.browsers, (std::map<std::string, std::uint64_t>{
                            {"google chrome", 1}, {"firefox", 1}, {"safari", 1}}));

  index.remove("a");
  index.remove("missing");
  t = index.totals();
  EXPECT_EQ(t.players, 2u);
  EXPECT_DOUBLE_EQ(t.bitrate_min, 800);
  EXPECT_EQ(t.os, (std::map<std::string, std::uint64_t>{{"android", 1}, {"macos", 1}}));
}

TEST(AudienceIndex, PlayersWithoutAgentCountAsUnknown) {
  AudienceIndex index;
  index.upsert(hb("a", 1, 1));
  index.upsert(hb("b", 1, 1, Agent{"", "Edge", ""}));
  auto t = index.totals();
  EXPECT_EQ(t.browsers, (std::map<std::string, std::uint64_t>{{"edge", 1}, {"unknown", 1}}));
  EXPECT_EQ(t.os, (std::map<std::string, std::uint64_t>{{"unknown", 2}}));
}

TEST(AudienceIndex, DistinctNamesAreBounded) {
  AudienceIndex index;
  for (int i = 0; i < 3000; ++i)
    index.upsert(
        hb("p" + std::to_string(i), 1, 1, Agent{"os", "browser-" + std::to_string(i), "d"}));
  auto t = index.totals();
  EXPECT_LE(t.browsers.size(), AudienceIndex::kMaxDistinctNames);
  EXPECT_GT(t.browsers.at("other"), 1000u);
}

TEST(AudienceIndex, SumsStayExactAfterManyUpdates) {
  AudienceIndex index;
  for (int i = 0; i < 100000; ++i) index.upsert(hb("p", 0.1 * (i % 7), 0.3 * i));
  auto t = index.totals();
  EXPECT_EQ(t.players, 1u);
  EXPECT_DOUBLE_EQ(t.play_time_sum, 0.3 * 99999);
}

TEST(Dashboard, EmptyStoreGivesZerosAndNulls) {
  auto m = make_dashboard(AudienceIndex().totals(), 0, 42);
  EXPECT_EQ(to_json_text(m),
            R"({"players":{"active":0,"total":0},"playTime":{"total":0,"average":null},)"
            R"("bitrates":{"min":null,"max":null,"average":null},)"
            R"("agents":{"browsers":{},"devices":{},"os":{}},)"
            R"("quality":{"states":{"playing":0,"paused":0,"buffering":0},"bufferRate":null,)"
            R"("rebufferRatio":null,"zeroBufferShare":null,"rebufferCount":null,)"
            R"("rebufferMs":null,"startupMs":null,)"
            R"("bitrate":{"timeWeightedAverage":null,"p50":null,"p95":null},)"
            R"("throughputBps":null,"errors":null,"droppedFrames":null},"generatedAt":42})");
}

TEST(Dashboard, ContractExample) {
  AudienceIndex index;
  index.upsert(hb("a", 500, 10, Agent{"macOS", "Google Chrome", "Desktop"}));
  index.upsert(hb("b", 2000, 20, Agent{"Windows", "Google Chrome", "Desktop"}));
  index.upsert(hb("c", 5000, 33, Agent{"Android", "Firefox", "Mobile"}));
  auto m = make_dashboard(index.totals(), 2, 1764000000000);
  EXPECT_EQ(
      to_json_text(m),
      R"({"players":{"active":2,"total":3},"playTime":{"total":63,"average":21},)"
      R"("bitrates":{"min":500,"max":5000,"average":2500},)"
      R"("agents":{"browsers":{"firefox":1,"google chrome":2},"devices":{"desktop":2,"mobile":1},)"
      R"("os":{"android":1,"macos":1,"windows":1}},)"
      R"("quality":{"states":{"playing":0,"paused":0,"buffering":0},"bufferRate":null,)"
      R"("rebufferRatio":null,"zeroBufferShare":null,"rebufferCount":null,"rebufferMs":null,)"
      R"("startupMs":null,"bitrate":{"timeWeightedAverage":null,"p50":2000,"p95":5000},)"
      R"("throughputBps":null,"errors":null,"droppedFrames":null},"generatedAt":1764000000000})");
}

TEST(Dashboard, FractionalValuesPrintPlainly) {
  AudienceIndex index;
  index.upsert(hb("a", 1000.5, 1));
  index.upsert(hb("b", 2000, 2));
  index.upsert(hb("c", 2000, 2));
  const auto text = to_json_text(make_dashboard(index.totals(), 3, 1));
  EXPECT_NE(text.find(R"("bitrates":{"min":1000.5,"max":2000,"average":1666.833})"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("average":1.667})"), std::string::npos) << text;
}
