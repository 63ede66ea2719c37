// Agent-name tables free the names nobody uses any more (issue 13): a burst of made-up names
// must not leave later real names counted as "other" until a restart.
#include "streampulse/core/audience_index.hpp"

#include <gtest/gtest.h>

#include <climits>

using namespace streampulse::core;

namespace {
Heartbeat hb(std::string id, std::string browser) {
  Heartbeat h;
  h.player_id = std::move(id);
  h.bitrate = 1;
  h.play_time = 1;
  h.agent = Agent{"linux", std::move(browser), "desktop"};
  return h;
}
}  // namespace

TEST(Distribution, ANameWhoseCountDropsToZeroIsFreedAndItsIdReused) {
  Distribution d(10);
  const auto a = d.add("Alpha");
  d.add("beta");
  EXPECT_EQ(d.names(), 2u);
  d.remove(a);
  EXPECT_EQ(d.names(), 1u);
  EXPECT_EQ(d.counts(), (std::map<std::string, std::uint64_t>{{"beta", 1}}));
  const auto g = d.add("gamma");
  EXPECT_EQ(g, a);  // the freed id, reused
  EXPECT_EQ(d.name(g), "gamma");
  EXPECT_EQ(d.add("ALPHA") == a, false);  // alpha is a new name now, with a new id
}

TEST(Distribution, NamesPastTheBoundCountAsOtherAndAreCounted) {
  Distribution d(4);  // three names and "other"
  for (auto n : {"a", "b", "c", "d", "e"}) d.add(n);
  EXPECT_EQ(d.counts(),
            (std::map<std::string, std::uint64_t>{{"a", 1}, {"b", 1}, {"c", 1}, {"other", 2}}));
  EXPECT_EQ(d.folded(), 2u);
  EXPECT_LE(d.names(), d.max_names());
}

TEST(AudienceIndex, AThousandMadeUpBrowserNamesFromOnePlayerLeaveRoomForARealOne) {
  AudienceIndex index;
  for (int i = 0; i < 1000; ++i) index.upsert(hb("flood", "made-up-" + std::to_string(i)));
  index.upsert(hb("real", "Firefox"));
  const auto t = index.totals();
  EXPECT_EQ(t.browsers, (std::map<std::string, std::uint64_t>{{"made-up-999", 1}, {"firefox", 1}}));
  EXPECT_EQ(index.browsers().folded(), 0u);
  EXPECT_EQ(index.browsers().names(), 2u);
}

TEST(AudienceIndex, DepartedPlayersNamesAreFreedAndTheBoundStillHolds) {
  AudienceIndex index;
  for (int i = 0; i < 1500; ++i)
    index.upsert(hb("p" + std::to_string(i), "browser-" + std::to_string(i)));
  EXPECT_EQ(index.browsers().names(), AudienceIndex::kMaxDistinctNames);
  EXPECT_EQ(index.totals().browsers.at("other"), 501u);
  EXPECT_GT(index.browsers().folded(), 0u);
  for (int i = 0; i < 1500; ++i) index.remove("p" + std::to_string(i));
  EXPECT_EQ(index.browsers().names(), 0u);
  index.upsert(hb("late", "Safari"));
  EXPECT_EQ(index.totals().browsers, (std::map<std::string, std::uint64_t>{{"safari", 1}}));
}

TEST(AudienceIndex, RebufferCountSaturatesInsteadOfWrapping) {
  AudienceIndex index;
  Heartbeat h = hb("p", "firefox");
  h.rebuffer_count = UINT32_MAX - 5;  // a restored total near the top
  h.rebuffer_ms = 1e300;              // a hostile stored total
  index.upsert(h, 1000);
  h.rebuffer_count = 100;  // then a delta that would wrap
  h.rebuffer_ms = 10;
  EXPECT_EQ(index.accumulated(h).rebuffer_count, std::optional<std::uint32_t>(UINT32_MAX));
  index.upsert(h, 2000);
  const auto q = index.totals(2000).quality;
  EXPECT_EQ(q.rebuffer_count, UINT32_MAX);
  EXPECT_GT(q.rebuffer_ms, 1e14);  // saturated high, not wrapped negative
}

// Issue 17 (point 7): names are shown as the players sent them, not re-cased by the page.
TEST(Distribution, KeepsTheSpellingOfTheFirstPlayerAsTheLabel) {
  Distribution d(10);
  const auto q = d.add("QQBrowser");
  EXPECT_EQ(d.name(q), "qqbrowser");
  EXPECT_EQ(d.label(q), "QQBrowser");
  EXPECT_EQ(d.add("qqbrowser"), q);  // the same name: the first spelling stays
  EXPECT_EQ(d.label(q), "QQBrowser");
  const auto u = d.add("");
  EXPECT_EQ(d.label(u), "unknown");
  EXPECT_EQ(d.labels(), (std::map<std::string, std::string>{{"qqbrowser", "QQBrowser"},
                                                            {"unknown", "unknown"}}));
  d.remove(q);
  d.remove(q);
  EXPECT_EQ(d.add("QQBROWSER"), q);  // freed and reused: the new first spelling
  EXPECT_EQ(d.label(q), "QQBROWSER");
}
