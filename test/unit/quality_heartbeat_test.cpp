// Viewing quality in the core, from heartbeats: fields, deltas that add up, absent versus zero,
// percentiles, the state window and the player record's size.
#include "quality_support.hpp"
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/cmcd.hpp"
#include "streampulse/core/dashboard.hpp"
#include "streampulse/core/log_histogram.hpp"
#include "streampulse/core/quality_fields.hpp"
#include "streampulse/core/viewer_history.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace streampulse::core;
using namespace quality_test;

TEST(HeartbeatQuality, OriginalHeartbeatHasNoQualityFields) {
  auto hb = parse(R"({"playerId":"p","bitrate":1,"playTime":2})");
  EXPECT_FALSE(hb.startup_ms || hb.rebuffer_count || hb.rebuffer_ms || hb.errors ||
               hb.throughput_bps || hb.dropped_frames);
  EXPECT_EQ(hb.state, PlayState::unknown);
}

TEST(HeartbeatQuality, FieldsAreReadAndValidated) {
  auto hb = parse(
      R"({"playerId":"p","bitrate":1,"playTime":2,"startupMs":850.5,"rebufferCount":2,)"
      R"("rebufferMs":1200,"errors":1,"throughputBps":4.5e6,"droppedFrames":12,"state":"buffering"})");
  EXPECT_EQ(hb.startup_ms, 850.5);
  EXPECT_EQ(hb.rebuffer_count, 2u);
  EXPECT_EQ(hb.rebuffer_ms, 1200);
  EXPECT_EQ(hb.errors, 1u);
  EXPECT_EQ(hb.throughput_bps, 4.5e6);
  EXPECT_EQ(hb.dropped_frames, 12u);
  EXPECT_EQ(hb.state, PlayState::buffering);
  // null is absent
  EXPECT_FALSE(parse(R"({"playerId":"p","bitrate":1,"playTime":2,"errors":null})").errors);

  const std::string base = R"({"playerId":"p","bitrate":1,"playTime":2,)";
  EXPECT_EQ(field_of(base + R"("startupMs":-1})"), "startupMs");
  EXPECT_EQ(field_of(base + R"("startupMs":"5"})"), "startupMs");
  EXPECT_EQ(field_of(base + R"("rebufferCount":1.5})"), "rebufferCount");
  EXPECT_EQ(field_of(base + R"("rebufferMs":1e9})"), "rebufferMs");
  EXPECT_EQ(field_of(base + R"("errors":true})"), "errors");
  EXPECT_EQ(field_of(base + R"("throughputBps":1e12})"), "throughputBps");
  EXPECT_EQ(field_of(base + R"("droppedFrames":-3})"), "droppedFrames");
  EXPECT_EQ(field_of(base + R"("state":"stalled"})"), "state");
  EXPECT_EQ(field_of(base + R"("state":1})"), "state");
  auto bad = parse_heartbeat(base + R"("state":"stalled"})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("state"), std::string::npos);
}

TEST(HeartbeatQuality, RebufferDeltasAddUpAndNeverOverwrite) {
  AudienceIndex index;
  index.upsert(
      parse(R"({"playerId":"a","bitrate":1,"playTime":1,"rebufferCount":1,"rebufferMs":300})"));
  index.upsert(
      parse(R"({"playerId":"a","bitrate":1,"playTime":2,"rebufferCount":2,"rebufferMs":500})"));
  // A heartbeat without the fields keeps the totals.
  index.upsert(parse(R"({"playerId":"a","bitrate":1,"playTime":3})"));
  index.upsert(parse(R"({"playerId":"a","bitrate":1,"playTime":4,"errors":1})"));
  index.upsert(parse(R"({"playerId":"a","bitrate":1,"playTime":5,"errors":2})"));
  auto q = quality(index);
  EXPECT_EQ(q.rebuffer_count, 3u);
  EXPECT_EQ(q.rebuffer_ms, 800);
  EXPECT_EQ(q.errors, 3u);
  EXPECT_EQ(q.zero_buffer_share, 0);
  // 800 ms stalled over 5 s played + 0.8 s stalled
  ASSERT_TRUE(q.rebuffer_ratio);
  EXPECT_NEAR(*q.rebuffer_ratio, 800.0 / 5800.0, 1e-9);

  // The stored record carries the totals; read back into an empty index they are restored.
  auto next =
      parse(R"({"playerId":"a","bitrate":1,"playTime":6,"rebufferMs":100,"rebufferCount":1})");
  const auto stored = to_analytics_json(index.accumulated(next));
  index.upsert(next);
  AudienceIndex restored;
  restored.upsert(*parse_analytics_json("a", stored));
  auto r = quality(restored);
  EXPECT_EQ(r.rebuffer_count, 4u);
  EXPECT_EQ(r.rebuffer_ms, 900);
  EXPECT_EQ(r.errors, 3u);
  EXPECT_EQ(quality(index).rebuffer_ms, 900);

  index.remove("a");
  EXPECT_FALSE(quality(index).rebuffer_count);
  EXPECT_FALSE(quality(index).errors);
}

TEST(HeartbeatQuality, AbsentIsNotZero) {
  AudienceIndex index;
  index.upsert(parse(R"({"playerId":"old","bitrate":1000,"playTime":10})"));
  auto q = quality(index, 1000);
  EXPECT_FALSE(q.buffer_rate);
  EXPECT_FALSE(q.rebuffer_ratio);
  EXPECT_FALSE(q.zero_buffer_share);
  EXPECT_FALSE(q.rebuffer_count);
  EXPECT_FALSE(q.errors);
  EXPECT_FALSE(q.startup_p50);
  EXPECT_FALSE(q.throughput_p50);
  EXPECT_FALSE(q.dropped_frames);
  EXPECT_EQ(q.bitrate_p50, 1000);  // every heartbeat has a bitrate

  // One player that says zero: the figures are 0, not absent; the legacy player does not count.
  index.upsert(parse(R"({"playerId":"new","bitrate":1000,"playTime":10,"rebufferCount":0,)"
                     R"("rebufferMs":0,"errors":0,"state":"playing"})"),
               1000);
  q = quality(index, 1000);
  EXPECT_EQ(q.buffer_rate, 0);
  EXPECT_EQ(q.rebuffer_ratio, 0);
  EXPECT_EQ(q.zero_buffer_share, 1);
  EXPECT_EQ(q.errors, 0u);
  std::string json;
  append_quality_json(json, q);
  EXPECT_NE(json.find(R"("bufferRate":0,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("startupMs":null)"), std::string::npos) << json;
}

TEST(HeartbeatQuality, BufferRateCountsActivePlayersOnly) {
  AudienceIndex index(1500);
  index.upsert(parse(R"({"playerId":"a","bitrate":1,"playTime":1,"state":"buffering"})"), 10'000);
  index.upsert(parse(R"({"playerId":"b","bitrate":1,"playTime":1,"state":"playing"})"), 10'000);
  index.upsert(parse(R"({"playerId":"c","bitrate":1,"playTime":1,"state":"playing"})"), 10'000);
  index.upsert(parse(R"({"playerId":"d","bitrate":1,"playTime":1,"state":"paused"})"), 10'000);
  EXPECT_EQ(quality(index, 10'500).buffer_rate, 0.25);
  // a recovers; the change replaces its old state
  index.upsert(parse(R"({"playerId":"a","bitrate":1,"playTime":2,"state":"playing"})"), 10'700);
  EXPECT_EQ(quality(index, 10'800).buffer_rate, 0);
  EXPECT_EQ(quality(index, 10'800).states.playing, 3u);
  // b buffers, then everybody falls silent: past the window nobody counts (absent, not 0)
  index.upsert(parse(R"({"playerId":"b","bitrate":1,"playTime":2,"state":"buffering"})"), 11'000);
  EXPECT_NEAR(*quality(index, 11'100).buffer_rate, 0.25, 1e-9);
  EXPECT_FALSE(quality(index, 20'000).buffer_rate);
  index.remove("b");
  EXPECT_EQ(quality(index, 11'100).states.buffering, 0u);
}

TEST(HeartbeatQuality, StartupAndThroughputPercentiles) {
  AudienceIndex index;
  for (int i = 1; i <= 100; ++i) {
    index.upsert(parse(R"({"playerId":"p)" + std::to_string(i) + R"(","bitrate":)" +
                       std::to_string(i * 100) + R"(,"playTime":1,"startupMs":)" +
                       std::to_string(i * 10) + R"(,"throughputBps":)" + std::to_string(i * 1e5) +
                       "}"));
  }
  auto q = quality(index);
  ASSERT_TRUE(q.startup_p50 && q.startup_p95);
  EXPECT_NEAR(*q.startup_p50, 500, 500 * 0.13);
  EXPECT_NEAR(*q.startup_p95, 950, 950 * 0.13);
  EXPECT_NEAR(*q.throughput_p50, 5e6, 5e6 * 0.13);
  EXPECT_NEAR(*q.bitrate_p95, 9500, 9500 * 0.13);
}

TEST(HeartbeatQuality, TimeWeightedBitrate) {
  AudienceIndex index;
  // 10 s at 1000 kbps, then 30 s at 4000 kbps: (10*1000 + 30*4000) / 40 = 3250
  index.upsert(parse(R"({"playerId":"a","bitrate":1000,"playTime":0})"));
  index.upsert(parse(R"({"playerId":"a","bitrate":4000,"playTime":10})"));
  index.upsert(parse(R"({"playerId":"a","bitrate":4000,"playTime":40})"));
  EXPECT_EQ(quality(index).bitrate_time_weighted, 3250);
  // A jump of more than a minute (a seek, a reset) is not time played.
  index.upsert(parse(R"({"playerId":"a","bitrate":100,"playTime":500})"));
  EXPECT_EQ(quality(index).bitrate_time_weighted, 3250);
  // It survives the stored record.
  AudienceIndex restored;
  auto hb = parse(R"({"playerId":"a","bitrate":100,"playTime":500})");
  restored.upsert(*parse_analytics_json("a", to_analytics_json(index.accumulated(hb))));
  EXPECT_EQ(quality(restored).bitrate_time_weighted, 3250);
}

TEST(HeartbeatQuality, PlayerRecordStaysSmall) {
  // The per-player cost: the record, the map node and the id (64 characters at most).
  EXPECT_LE(AudienceIndex::kPlayerRecordBytes, 128u);
  const std::size_t per_player = AudienceIndex::kPlayerRecordBytes + sizeof(std::string) +
                                 4 * sizeof(void*) + kMaxPlayerIdLength + 1 +
                                 64;  // bitrates_ map node in the worst case
  EXPECT_LT(per_player, 512u);
}
