// Streams of heartbeats (issue 15, part 2): the catalog's id set read from other threads, a
// heartbeat's stream resolved against it, count topics per stream, and viewer tokens scoped to
// one stream by a tag in their id.
#include "streampulse/core/stream_scope.hpp"
#include "streampulse/core/heartbeat.hpp"
#include "streampulse/core/stream_catalog.hpp"
#include "streampulse/core/stream_ids.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace streampulse::core {
namespace {

// A stand-in for the MAC: deterministic, 16 hex digits, different per (player, stream).
std::string fake_tag(std::string_view player, std::string_view stream) {
  const auto h = std::hash<std::string>{}(std::string(player) + "|" + std::string(stream));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out += kHex[(h >> (4 * (i % 16))) & 15];
  return out;
}

TEST(StreamIds, TheCatalogRepublishesItsIdsOnEveryChange) {
  StreamCatalog catalog({"main", "Main", "/media/main/master.m3u8"});
  const auto ids = catalog.ids();
  EXPECT_TRUE(ids->current()->contains("main"));
  EXPECT_EQ(ids->current()->default_id, "main");
  const auto before = ids->current();
  ASSERT_TRUE(catalog.put({"show", "Show", "/media/show/master.m3u8"}));
  EXPECT_TRUE(ids->current()->contains("show"));
  EXPECT_FALSE(before->contains("show"));  // a reader's snapshot never changes under it
  auto removed = catalog.remove("show");
  ASSERT_TRUE(removed);
  EXPECT_FALSE(ids->current()->contains("show"));
  catalog.undo(*removed);
  EXPECT_TRUE(ids->current()->contains("show"));
  catalog.load({{"a", "A", "/media/a/m.m3u8"}, {"b", "B", "/media/b/m.m3u8"}});
  EXPECT_EQ(ids->current()->ids.size(), 4u);
}

TEST(StreamIds, ReadersOnOtherThreadsSeeWholeSets) {
  StreamCatalog catalog({"main", "Main", "/media/main/master.m3u8"});
  const auto ids = catalog.ids();
  std::atomic<bool> stop = false;
  std::thread reader([&] {
    while (!stop) {
      const auto set = ids->current();
      ASSERT_TRUE(set->contains("main"));
    }
  });
  for (int i = 0; i < 200; ++i) {
    const std::string id = "s" + std::to_string(i);
    ASSERT_TRUE(catalog.put({id, id, "/media/x/m.m3u8"}));
    ASSERT_TRUE(catalog.remove(id));
  }
  stop = true;
  reader.join();
}

TEST(StreamIds, AHeartbeatWithoutAStreamIsTheDefaultsAndAnUnknownOneHasNone) {
  StreamIdSet set{"main", {"main", "show"}};
  EXPECT_EQ(*resolve_stream(set, ""), "main");
  EXPECT_EQ(*resolve_stream(set, "show"), "show");
  EXPECT_EQ(resolve_stream(set, "nope"), nullptr);
}

TEST(StreamIds, CountTopicsAreTheOriginalsForTheDefaultAndSuffixedForOthers) {
  EXPECT_EQ(count_topic_of("viewerCount", "main", "main"), "viewerCount");
  EXPECT_EQ(count_topic_of("viewerCount", "main", ""), "viewerCount");
  EXPECT_EQ(count_topic_of("viewerCount", "main", "show"), "viewerCount-show");
}

TEST(StreamScope, TheDefaultStreamsTokenIdIsThePlayerId) {
  EXPECT_EQ(scoped_token_id("view-abc", "main", "main", fake_tag), "view-abc");
  EXPECT_EQ(token_player_part("view-abc"), "view-abc");
}

TEST(StreamScope, AnotherStreamsTokenIdCarriesATagAndKeepsThePlayerPart) {
  const std::string player = "view-0123456789abcdef01234567";
  const auto id = scoped_token_id(player, "show", "main", fake_tag);
  EXPECT_EQ(id, player + "-s" + fake_tag(player, "show"));
  EXPECT_LE(id.size(), 64u);  // Momento's token_id bound
  EXPECT_EQ(token_player_part(id), player);
}

TEST(StreamScope, ATokenPublishesForItsOwnStreamOnly) {
  const std::string player = "view-0123456789abcdef01234567";
  const auto show = scoped_token_id(player, "show", "main", fake_tag);
  EXPECT_TRUE(token_allows_stream(show, "show", "main", fake_tag));
  EXPECT_FALSE(token_allows_stream(show, "other", "main", fake_tag));
  EXPECT_FALSE(token_allows_stream(show, "main", "main", fake_tag));
  // An untagged token (the default stream's, or an older one) is the default stream's.
  EXPECT_TRUE(token_allows_stream(player, "main", "main", fake_tag));
  EXPECT_FALSE(token_allows_stream(player, "show", "main", fake_tag));
  // A forged tag is refused; the operator's credential (no token id) may publish anywhere.
  EXPECT_FALSE(token_allows_stream(player + "-s0000000000000000", "show", "main", fake_tag));
  EXPECT_TRUE(token_allows_stream("", "show", "main", fake_tag));
  // Without a tagger nothing tagged passes.
  EXPECT_FALSE(token_allows_stream(show, "show", "main", {}));
}

TEST(StreamScope, HeartbeatsMayNameAStream) {
  auto hb = parse_heartbeat(R"({"playerId":"p1","bitrate":1,"playTime":2,"streamId":"show"})");
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->stream_id, "show");
  hb = parse_heartbeat(R"({"playerId":"p1","bitrate":1,"playTime":2})");
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->stream_id, "");
  for (const char* bad : {R"({"playerId":"p1","bitrate":1,"playTime":2,"streamId":5})",
                          R"({"playerId":"p1","bitrate":1,"playTime":2,"streamId":""})",
                          R"({"playerId":"p1","bitrate":1,"playTime":2,"streamId":"a/b"})"}) {
    auto r = parse_heartbeat(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "streamId");
  }
}

}  // namespace
}  // namespace streampulse::core
