// The dashboard of a sharded audience: the merge of the shards' summaries equals the totals of
// one index holding every player.
#include "streampulse/core/audience_index.hpp"

#include <gtest/gtest.h>

using namespace streampulse::core;

namespace {

Heartbeat hb(std::string id, double bitrate, double play, std::string browser,
             std::optional<double> startup = {}) {
  Heartbeat h;
  h.player_id = std::move(id);
  h.bitrate = bitrate;
  h.play_time = play;
  h.agent = Agent{"Linux", std::move(browser), "Desktop"};
  h.startup_ms = startup;
  return h;
}

}  // namespace

TEST(AudienceMerge, ShardsMergeToTheTotalsOfOneIndex) {
  AudienceIndex whole, first, second, empty;
  const EpochMs now = 1'000'000;
  for (int i = 0; i < 40; ++i) {
    auto h = hb("p" + std::to_string(i), 300 + 100 * i, i, i % 3 ? "Firefox" : "Chrome",
                static_cast<double>(100 + 10 * i));
    whole.upsert(h, now);
    (i % 2 ? first : second).upsert(h, now);
  }
  std::vector<AudienceSummary> parts{first.summary(now), empty.summary(now), second.summary(now)};
  const auto merged = merge_summaries(parts);
  const auto expected = whole.totals(now);
  EXPECT_EQ(merged.players, 40u);
  EXPECT_EQ(merged.players, expected.players);
  EXPECT_DOUBLE_EQ(merged.play_time_sum, expected.play_time_sum);
  EXPECT_DOUBLE_EQ(merged.bitrate_sum, expected.bitrate_sum);
  // The empty shard's zeros do not become the minimum.
  EXPECT_DOUBLE_EQ(merged.bitrate_min, 300);
  EXPECT_DOUBLE_EQ(merged.bitrate_max, 4200);
  EXPECT_EQ(merged.browsers, expected.browsers);
  EXPECT_EQ(merged.devices, expected.devices);
  EXPECT_EQ(merged.quality.startup_p50, expected.quality.startup_p50);
  EXPECT_EQ(merged.quality.startup_p95, expected.quality.startup_p95);
  EXPECT_EQ(merged.quality.bitrate_p95, expected.quality.bitrate_p95);
  EXPECT_EQ(merged.quality.bitrate_time_weighted, expected.quality.bitrate_time_weighted);
  EXPECT_EQ(merged.quality.states.reporting(), expected.quality.states.reporting());
}

TEST(AudienceMerge, NoShardsAndEmptyShardsGiveAnEmptyAudience) {
  EXPECT_EQ(merge_summaries({}).players, 0u);
  AudienceIndex a, b;
  const auto merged = merge_summaries({a.summary(), b.summary()});
  EXPECT_EQ(merged.players, 0u);
  EXPECT_FALSE(merged.quality.startup_p50.has_value());
  EXPECT_FALSE(merged.quality.bitrate_time_weighted.has_value());
}
