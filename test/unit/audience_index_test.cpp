#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/dashboard.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

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
            R"({"players":{"active":0,"total":0},"viewers":{"active":0,"total":0},)"
            R"("playTime":{"total":0,"average":null},)"
            R"("bitrates":{"min":null,"max":null,"average":null},)"
            R"("agents":{"browsers":{},"devices":{},"os":{}},)"
            R"("agentNames":{"browsers":{},"devices":{},"os":{}},)"
            R"("now":{"players":0,"playTime":{"total":0,"average":null},)"
            R"("bitrates":{"min":null,"max":null,"average":null},)"
            R"("agents":{"browsers":{},"devices":{},"os":{}}},)"
            R"("quality":{"states":{"playing":0,"paused":0,"buffering":0},"bufferRate":null,)"
            R"("rebufferRatio":null,"zeroBufferShare":null,"rebufferCount":null,)"
            R"("rebufferMs":null,"startupMs":null,)"
            R"("bitrate":{"timeWeightedAverage":null,"p50":null,"p95":null},)"
            R"("throughputBps":null,"errors":null,"droppedFrames":null,)"
            R"("reporting":{"players":0,"states":0,"rebuffering":0,"startup":0,"bitrate":0,)"
            R"("throughput":0,"errors":0,"droppedFrames":0}},"generatedAt":42})");
}

TEST(Dashboard, ContractExample) {
  AudienceIndex index;
  index.upsert(hb("a", 500, 10, Agent{"macOS", "Google Chrome", "Desktop"}));
  index.upsert(hb("b", 2000, 20, Agent{"Windows", "Google Chrome", "Desktop"}));
  index.upsert(hb("c", 5000, 33, Agent{"Android", "Firefox", "Mobile"}));
  auto m = make_dashboard(index.totals(), 2, 1764000000000);
  EXPECT_EQ(
      to_json_text(m),
      R"({"players":{"active":2,"total":3},"viewers":{"active":0,"total":3},)"
      R"("playTime":{"total":63,"average":21},)"
      R"("bitrates":{"min":500,"max":5000,"average":2500},)"
      R"("agents":{"browsers":{"firefox":1,"google chrome":2},"devices":{"desktop":2,"mobile":1},)"
      R"("os":{"android":1,"macos":1,"windows":1}},)"
      R"("agentNames":{"browsers":{"firefox":"Firefox","google chrome":"Google Chrome"},)"
      R"("devices":{"desktop":"Desktop","mobile":"Mobile"},)"
      R"("os":{"android":"Android","macos":"macOS","windows":"Windows"}},)"
      // Restored records (no time): nobody active now.
      R"("now":{"players":0,"playTime":{"total":0,"average":null},)"
      R"("bitrates":{"min":null,"max":null,"average":null},)"
      R"("agents":{"browsers":{},"devices":{},"os":{}}},)"
      R"("quality":{"states":{"playing":0,"paused":0,"buffering":0},"bufferRate":null,)"
      R"("rebufferRatio":null,"zeroBufferShare":null,"rebufferCount":null,"rebufferMs":null,)"
      R"("startupMs":null,"bitrate":{"timeWeightedAverage":null,"p50":2000,"p95":5000},)"
      R"("throughputBps":null,"errors":null,"droppedFrames":null,)"
      R"("reporting":{"players":3,"states":0,"rebuffering":0,"startup":0,"bitrate":3,)"
      R"("throughput":0,"errors":0,"droppedFrames":0}},"generatedAt":1764000000000})");
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

// Issue 17 (point 2): "now" holds the players active now, computed at dashboard time.
TEST(AudienceIndex, NowCountsOnlyThePlayersWithinTheActiveWindow) {
  AudienceIndex index(1500);
  index.upsert(hb("old", 25000, 10, Agent{"tvOS", "Safari", "TV"}), 1'000);
  index.upsert(hb("new", 800, 20, Agent{"Android", "QQBrowser", "Mobile"}), 9'000);
  index.upsert(hb("restored", 300, 5));  // restored: never seen here, not active
  auto t = index.totals(10'000);
  EXPECT_EQ(t.players, 3u);
  EXPECT_EQ(t.now.players, 1u);
  EXPECT_DOUBLE_EQ(t.now.bitrate_min, 800);
  EXPECT_DOUBLE_EQ(t.now.bitrate_max, 800);
  EXPECT_DOUBLE_EQ(t.now.play_time_sum, 20);
  EXPECT_EQ(t.now.browsers, (std::map<std::string, std::uint64_t>{{"qqbrowser", 1}}));
  EXPECT_EQ(t.browser_labels.at("qqbrowser"), "QQBrowser");
  EXPECT_EQ(t.os_labels.at("tvos"), "tvOS");
  // Nobody within the window: "now" is empty, the retention figures are not.
  t = index.totals(20'000);
  EXPECT_EQ(t.now.players, 0u);
  EXPECT_TRUE(t.now.browsers.empty());
  EXPECT_EQ(t.browsers.size(), 3u);
  const auto m = make_dashboard(t, 0, 20'000);
  EXPECT_FALSE(m.now.bitrate_max.has_value());
  const auto json = to_json_text(m);
  EXPECT_NE(json.find(R"("now":{"players":0,"playTime":{"total":0,"average":null},)"
                      R"("bitrates":{"min":null,"max":null,"average":null},)"
                      R"("agents":{"browsers":{},"devices":{},"os":{}}})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("agentNames":{"browsers":{"qqbrowser":"QQBrowser",)"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("reporting":{"players":3,)"), std::string::npos) << json;
}

TEST(AudienceIndex, NowMergesOverShards) {
  AudienceIndex a(1500), b(1500);
  a.upsert(hb("a1", 500, 10, Agent{"Linux", "Firefox", "Desktop"}), 10'000);
  b.upsert(hb("b1", 25000, 10, Agent{"Linux", "Firefox", "Desktop"}), 10'000);
  b.upsert(hb("b2", 100, 10, Agent{"Linux", "Firefox", "Desktop"}), 1'000);  // gone
  const auto t = merge_summaries({a.summary(10'500), b.summary(10'500)});
  EXPECT_EQ(t.now.players, 2u);
  EXPECT_DOUBLE_EQ(t.now.bitrate_min, 500);
  EXPECT_DOUBLE_EQ(t.now.bitrate_max, 25000);
  EXPECT_EQ(t.now.browsers, (std::map<std::string, std::uint64_t>{{"firefox", 2}}));
  EXPECT_DOUBLE_EQ(t.bitrate_min, 100);
}

// The cost of "now" (running figures of the active players, kept as they join and leave),
// measured at 100,000 players; the figure is printed for docs/benchmarks.md, the bound only
// catches a blow-up (a walk over the players would cost about 5 ms here).
TEST(AudienceIndex, DashboardAtAHundredThousandPlayersCostsNoWalk) {
  AudienceIndex index(1500);
  const char* browsers[] = {"Google Chrome", "Firefox", "Safari", "Microsoft Edge", "QQBrowser"};
  // Heartbeats in time order, as a shard records them: half of the players last seen long ago,
  // the other half active at 100,500.
  for (int half = 0; half < 2; ++half) {
    for (int i = half; i < 100'000; i += 2) {
      index.upsert(hb("p" + std::to_string(i), 500 + i, i,
                      Agent{"OS" + std::to_string(i % 7), browsers[i % 5], "Desktop"}),
                   half ? 100'000 : 1'000);
    }
  }
  constexpr int kRounds = 50;
  // Without "now" (the summary of the running totals alone), for comparison.
  const auto base_start = std::chrono::steady_clock::now();
  for (int r = 0; r < kRounds; ++r) {
    const auto t = merge_summaries({index.summary()});
    ASSERT_EQ(t.now.players, 0u);
  }
  const auto base_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - base_start)
                           .count() /
                       kRounds;
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t active = 0;
  for (int r = 0; r < kRounds; ++r) {
    const auto t = merge_summaries({index.summary(100'500)});
    active += t.now.players;
    const auto text = to_json_text(make_dashboard(t, t.now.players, 100'500));
    ASSERT_FALSE(text.empty());
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count() /
                  kRounds;
  EXPECT_EQ(active, 50'000u * kRounds);
  std::printf(
      "[ figures  ] dashboard at 100,000 players: %lld us with \"now\" and the JSON, %lld us "
      "for the running totals alone\n",
      static_cast<long long>(us), static_cast<long long>(base_us));
  EXPECT_LT(us, 20'000);  // a Debug build on a shared machine: far above the expected cost
}
