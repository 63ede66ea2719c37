#include "streampulse/media/media_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using streampulse::core::ManualClock;
using streampulse::media::media_etag;
using streampulse::media::MediaPutOutcome;
using streampulse::media::MediaStore;
using streampulse::media::MediaStoreLimits;

MediaStoreLimits small_limits() {
  MediaStoreLimits limits;
  limits.max_object_bytes = 10;
  limits.max_total_bytes = 25;
  return limits;
}

TEST(MediaStore, PutFindAndMetadata) {
  ManualClock clock(1'700'000'000'500);
  MediaStore store(clock, small_limits());
  EXPECT_EQ(store.put("live/master.m3u8", "#EXTM3U\n"), MediaPutOutcome::created);
  const auto* object = store.find("live/master.m3u8");
  ASSERT_NE(object, nullptr);
  EXPECT_EQ(*object->bytes, "#EXTM3U\n");
  EXPECT_EQ(object->content_type, "application/vnd.apple.mpegurl");
  EXPECT_EQ(object->etag, media_etag("#EXTM3U\n"));
  EXPECT_EQ(object->etag.size(), 34u);
  EXPECT_EQ(object->etag.front(), '"');
  EXPECT_EQ(object->last_modified.time_since_epoch(), std::chrono::seconds(1'700'000'000));
  EXPECT_EQ(store.put("live/seg0.ts", "ts"), MediaPutOutcome::created);
  EXPECT_EQ(store.find("live/seg0.ts")->content_type, "video/mp2t");
  EXPECT_EQ(store.put("blob", "x"), MediaPutOutcome::created);
  EXPECT_EQ(store.find("blob")->content_type, "application/octet-stream");
  EXPECT_EQ(store.find("live/other.ts"), nullptr);
  EXPECT_EQ(store.object_count(), 3u);
  EXPECT_EQ(store.total_bytes(), 11u);
}

TEST(MediaStore, BoundsOnObjectAndTotal) {
  ManualClock clock;
  MediaStore store(clock, small_limits());
  EXPECT_EQ(store.put("a.ts", std::string(11, 'a')), MediaPutOutcome::too_large);
  EXPECT_EQ(store.put("a.ts", std::string(10, 'a')), MediaPutOutcome::created);
  EXPECT_EQ(store.put("b.ts", std::string(10, 'b')), MediaPutOutcome::created);
  EXPECT_EQ(store.put("c.ts", std::string(6, 'c')), MediaPutOutcome::store_full);
  EXPECT_EQ(store.find("c.ts"), nullptr);  // refused: nothing changed
  EXPECT_EQ(store.total_bytes(), 20u);
  EXPECT_EQ(store.put("c.ts", std::string(5, 'c')), MediaPutOutcome::created);
  EXPECT_EQ(store.total_bytes(), 25u);
  EXPECT_EQ(store.put("d.ts", ""), MediaPutOutcome::created);  // empty objects always fit
  EXPECT_TRUE(store.erase("a.ts"));
  EXPECT_FALSE(store.erase("a.ts"));
  EXPECT_EQ(store.total_bytes(), 15u);
  EXPECT_EQ(store.put("e.ts", std::string(10, 'e')), MediaPutOutcome::created);
}

TEST(MediaStore, AsACacheEvictsTheOldestInsteadOfRefusing) {
  ManualClock clock;
  auto limits = small_limits();  // 25 bytes in all
  limits.evict_oldest = true;
  MediaStore cache(clock, limits);
  EXPECT_EQ(cache.put("a.ts", std::string(10, 'a')), MediaPutOutcome::created);
  EXPECT_EQ(cache.put("b.ts", std::string(10, 'b')), MediaPutOutcome::created);
  EXPECT_EQ(cache.put("a.ts", std::string(10, 'A')), MediaPutOutcome::replaced);  // now newest
  EXPECT_EQ(cache.put("c.ts", std::string(10, 'c')), MediaPutOutcome::created);
  EXPECT_EQ(cache.find("b.ts"), nullptr);  // the oldest went
  EXPECT_NE(cache.find("a.ts"), nullptr);
  EXPECT_NE(cache.find("c.ts"), nullptr);
  EXPECT_EQ(cache.total_bytes(), 20u);
  EXPECT_EQ(cache.put("c.ts", std::string(10, 'C')), MediaPutOutcome::replaced);
  EXPECT_EQ(cache.put("d.ts", std::string(10, 'd')), MediaPutOutcome::created);
  EXPECT_EQ(cache.find("a.ts"), nullptr);
  EXPECT_EQ(cache.object_count(), 2u);
  EXPECT_EQ(cache.put("e.ts", std::string(11, 'e')), MediaPutOutcome::too_large);  // still
}

TEST(MediaStore, OverwriteReplacesAndAdjustsTotal) {
  ManualClock clock;
  MediaStore store(clock, small_limits());
  EXPECT_EQ(store.put("a.ts", std::string(10, 'a')), MediaPutOutcome::created);
  EXPECT_EQ(store.put("b.ts", std::string(10, 'b')), MediaPutOutcome::created);
  // A replacement only needs room for its growth: the old bytes are freed.
  EXPECT_EQ(store.put("a.ts", std::string(3, 'x')), MediaPutOutcome::replaced);
  EXPECT_EQ(store.total_bytes(), 13u);
  EXPECT_EQ(*store.find("a.ts")->bytes, "xxx");
  EXPECT_EQ(store.put("b.ts", std::string(10, 'y')), MediaPutOutcome::replaced);
  EXPECT_EQ(store.total_bytes(), 13u);
  EXPECT_EQ(store.put("c.ts", std::string(10, 'c')), MediaPutOutcome::created);
  EXPECT_EQ(store.total_bytes(), 23u);
  // Growing a replaced object needs room for the growth only: 23 - 3 + 5 fits, 23 - 3 + 6 not.
  EXPECT_EQ(store.put("a.ts", std::string(6, 'z')), MediaPutOutcome::store_full);
  EXPECT_EQ(store.put("a.ts", std::string(11, 'z')), MediaPutOutcome::too_large);
  EXPECT_EQ(*store.find("a.ts")->bytes, "xxx");  // refused: unchanged
  EXPECT_EQ(store.put("a.ts", std::string(5, 'w')), MediaPutOutcome::replaced);
  EXPECT_EQ(store.total_bytes(), 25u);
  EXPECT_EQ(store.object_count(), 3u);
}

TEST(MediaStore, ResponsesInFlightKeepTheOldBytes) {
  ManualClock clock;
  MediaStore store(clock, small_limits());
  store.put("a.ts", "old");
  const auto held = store.find("a.ts")->bytes;
  store.put("a.ts", "new");
  EXPECT_EQ(*held, "old");
  EXPECT_EQ(*store.find("a.ts")->bytes, "new");
}

TEST(MediaStore, EtagFollowsContentAndDateOnlyChangesWithIt) {
  ManualClock clock(1'700'000'000'000);
  MediaStore store(clock, small_limits());
  store.put("m.m3u8", "one");
  const std::string first = store.find("m.m3u8")->etag;
  const auto first_date = store.find("m.m3u8")->last_modified;
  clock.advance(5000);
  EXPECT_EQ(store.put("m.m3u8", "one"), MediaPutOutcome::replaced);
  EXPECT_EQ(store.find("m.m3u8")->etag, first);
  EXPECT_EQ(store.find("m.m3u8")->last_modified, first_date);
  EXPECT_EQ(store.put("m.m3u8", "two"), MediaPutOutcome::replaced);
  EXPECT_NE(store.find("m.m3u8")->etag, first);
  EXPECT_EQ(store.find("m.m3u8")->last_modified, first_date + std::chrono::seconds(5));
  EXPECT_NE(media_etag("a"), media_etag("b"));
  EXPECT_NE(media_etag(""), media_etag(std::string(1, '\0')));
}

TEST(MediaStore, PathRules) {
  for (const std::string& good : std::vector<std::string>{
           "a", "live/master.m3u8", "a/b/c/seg-0001.ts", "x..y/z", std::string(512, 'p')}) {
    EXPECT_TRUE(MediaStore::valid_path(good)) << good;
  }
  for (const std::string& bad : std::vector<std::string>{
           "", "/a", "a/", "a//b", "../a", "a/../b", "./a", ".hidden", "a/.git/config", "a\\b",
           std::string("a\0b", 3), std::string(513, 'p')}) {
    EXPECT_FALSE(MediaStore::valid_path(bad)) << bad;
  }
  ManualClock clock;
  MediaStore store(clock, small_limits());
  EXPECT_EQ(store.put("../etc/passwd", "x"), MediaPutOutcome::bad_path);
  EXPECT_EQ(store.put("a/.secret", "x"), MediaPutOutcome::bad_path);
  EXPECT_EQ(store.object_count(), 0u);
}

TEST(MediaStore, LimitsFromMiB) {
  const auto big = MediaStoreLimits::for_total_mib(256);
  EXPECT_EQ(big.max_total_bytes, 256u * 1024 * 1024);
  EXPECT_EQ(big.max_object_bytes, 32u * 1024 * 1024);
  const auto tiny = MediaStoreLimits::for_total_mib(1);
  EXPECT_EQ(tiny.max_total_bytes, 1024u * 1024);
  EXPECT_EQ(tiny.max_object_bytes, 1024u * 1024);
}

}  // namespace
