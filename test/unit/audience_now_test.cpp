// "Now" (the active players' figures) and unique viewers, kept by AudienceIndex as players join
// and leave the active window: checked against a walk over the players, the definition.
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/dashboard.hpp"
#include "streampulse/core/heartbeat.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

using namespace streampulse::core;

namespace {

Heartbeat beat(const std::string& id, double bitrate, std::string viewer = {},
               std::string browser = "Firefox") {
  Heartbeat h;
  h.player_id = id;
  h.viewer_id = std::move(viewer);
  h.bitrate = bitrate;
  h.play_time = bitrate / 100;
  h.agent = Agent{"Linux", std::move(browser), "Desktop"};
  return h;
}

// What "now" means, computed the slow way from every player's last heartbeat.
struct Reference {
  struct Last {
    Heartbeat hb;
    EpochMs at;
  };
  std::map<std::string, Last> players;
  NowTotals now(EpochMs t, EpochMs window, std::uint64_t* tracked_viewers) const {
    NowTotals out;
    std::set<std::string> active_viewers, all_viewers;
    for (const auto& [id, p] : players) {
      const std::string viewer = p.hb.viewer_id.empty() ? id : p.hb.viewer_id;
      all_viewers.insert(viewer);
      if (p.at < t - window) continue;
      active_viewers.insert(viewer);
      out.bitrate_min = out.players ? std::min(out.bitrate_min, p.hb.bitrate) : p.hb.bitrate;
      out.bitrate_max = out.players ? std::max(out.bitrate_max, p.hb.bitrate) : p.hb.bitrate;
      ++out.players;
      out.bitrate_sum += p.hb.bitrate;
      std::string b = p.hb.agent->browser;
      for (auto& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      ++out.browsers[b];
    }
    out.viewers = active_viewers.size();
    *tracked_viewers = all_viewers.size();
    return out;
  }
};

}  // namespace

TEST(AudienceNow, RunningFiguresEqualAWalkOverThePlayers) {
  std::mt19937 rng(7);
  AudienceIndex index(1500);
  Reference ref;
  EpochMs t = 1'000'000;
  const char* browsers[] = {"Firefox", "Safari", "Google Chrome"};
  for (int step = 0; step < 20'000; ++step) {
    t += rng() % 40;  // heartbeats in time order, sometimes several in one millisecond
    const std::string id = "p" + std::to_string(rng() % 300);
    if (rng() % 50 == 0) {
      index.remove(id);
      ref.players.erase(id);
      continue;
    }
    // Some players send no viewer id; the others share 100 viewers (and may change viewer).
    std::string viewer = rng() % 4 == 0 ? "" : "v" + std::to_string(rng() % 100);
    const auto h = beat(id, 100 + rng() % 50 * 100, viewer, browsers[rng() % 3]);
    // Now and then stamped a little earlier than the last one (clocks are read on several
    // threads and may step back a little).
    const EpochMs at_time = rng() % 10 == 0 ? t - static_cast<EpochMs>(rng() % 30) : t;
    index.upsert(h, at_time);
    ref.players[id] = {h, at_time};
    if (step % 97 == 0) {
      const EpochMs at = t + rng() % 3000;  // now, or later (players leave the window)
      std::uint64_t tracked = 0;
      const NowTotals want = ref.now(at, 1500, &tracked);
      const AudienceTotals got = merge_summaries({index.summary(at)});
      ASSERT_EQ(got.now.players, want.players) << "step " << step;
      ASSERT_EQ(got.now.viewers, want.viewers) << "step " << step;
      ASSERT_EQ(got.viewers, tracked) << "step " << step;
      ASSERT_DOUBLE_EQ(got.now.bitrate_sum, want.bitrate_sum);
      if (want.players > 0) {
        ASSERT_DOUBLE_EQ(got.now.bitrate_min, want.bitrate_min);
        ASSERT_DOUBLE_EQ(got.now.bitrate_max, want.bitrate_max);
      }
      ASSERT_EQ(got.now.browsers, want.browsers) << "step " << step;
      t = at;  // time does not go back
    }
  }
}

TEST(AudienceNow, TwoTabsOfOneBrowserAreTwoViewsOfOneViewerEvenOnTwoShards) {
  auto shared = std::make_shared<ViewerTally>();
  AudienceIndex shard_a(1500, shared), shard_b(1500, shared);
  shard_a.upsert(beat("tab-1", 800, "browser-x"), 10'000);
  shard_b.upsert(beat("tab-2", 800, "browser-x"), 10'000);
  shard_b.upsert(beat("other", 800, "browser-y"), 10'000);
  shard_a.upsert(beat("no-viewer-id", 800), 10'000);  // a viewer of its own
  auto t = merge_summaries({shard_a.summary(10'100), shard_b.summary(10'100)});
  EXPECT_EQ(t.now.players, 4u);
  EXPECT_EQ(t.now.viewers, 3u);
  EXPECT_EQ(t.viewers, 3u);
  const auto m = make_dashboard(t, 4, 10'100);
  EXPECT_NE(
      to_json_text(m).find(R"("players":{"active":4,"total":4},"viewers":{"active":3,"total":3})"),
      std::string::npos)
      << to_json_text(m);

  // One tab goes quiet: still one viewer active (the other tab); then both.
  shard_a.upsert(beat("no-viewer-id", 800), 11'000);
  shard_b.upsert(beat("tab-2", 800, "browser-x"), 11'000);
  t = merge_summaries({shard_a.summary(12'000), shard_b.summary(12'000)});
  EXPECT_EQ(t.now.players, 2u);
  EXPECT_EQ(t.now.viewers, 2u);  // browser-x (tab-2), no-viewer-id
  EXPECT_EQ(t.viewers, 3u);      // tracked: every one of them
  t = merge_summaries({shard_a.summary(20'000), shard_b.summary(20'000)});
  EXPECT_EQ(t.now.players, 0u);
  EXPECT_EQ(t.now.viewers, 0u);

  // Removed players leave the tracked tally; so does a whole index when it goes.
  shard_b.remove("tab-2");
  t = merge_summaries({shard_a.summary(20'000), shard_b.summary(20'000)});
  EXPECT_EQ(t.viewers, 3u);  // browser-x still has tab-1
  shard_a.remove("tab-1");
  EXPECT_EQ(merge_summaries({shard_a.summary(20'000), shard_b.summary(20'000)}).viewers, 2u);
  {
    AudienceIndex gone(1500, shared);
    gone.upsert(beat("short-lived", 800, "browser-z"), 20'000);
    // The shared tally holds browser-y and browser-z; the player without a viewer id is
    // counted by its own index.
    EXPECT_EQ(shared->tracked(), 2u);
    EXPECT_EQ(shared->active(), 1u);
  }
  EXPECT_EQ(shared->tracked(), 1u);
  EXPECT_EQ(shared->active(), 0u);
}

TEST(AudienceNow, ViewerIdIsCheckedAndNotStored) {
  auto ok = parse_heartbeat(R"({"playerId":"p1","viewerId":"abc-DEF_9","bitrate":1,"playTime":2})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->viewer_id, "abc-DEF_9");
  // Not in the stored record: memory per player (a restored player is its own viewer until its
  // next heartbeat).
  EXPECT_EQ(to_analytics_json(*ok).find("viewerId"), std::string::npos);
  for (const char* bad : {R"({"playerId":"p1","viewerId":"a b","bitrate":1,"playTime":2})",
                          R"({"playerId":"p1","viewerId":7,"bitrate":1,"playTime":2})",
                          R"({"playerId":"p1","viewerId":"","bitrate":1,"playTime":2})"}) {
    auto r = parse_heartbeat(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "viewerId");
  }
  // Absent or null: the player counts as its own viewer.
  auto none = parse_heartbeat(R"({"playerId":"p1","viewerId":null,"bitrate":1,"playTime":2})");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->viewer_id.empty());
  EXPECT_EQ(to_analytics_json(*none).find("viewerId"), std::string::npos);
}
