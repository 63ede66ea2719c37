#include "streampulse/core/recent_messages.hpp"

#include <gtest/gtest.h>

#include <string>

namespace streampulse::core {
namespace {

TEST(RecentMessages, SecondSightingOfOneMessageIsRefused) {
  RecentMessages recent;
  EXPECT_TRUE(recent.first_sighting(1, R"({"playerId":"a"})"));
  EXPECT_FALSE(recent.first_sighting(1, R"({"playerId":"a"})"));
  // Same text under another sequence number, or another text under the same one: new messages.
  EXPECT_TRUE(recent.first_sighting(2, R"({"playerId":"a"})"));
  EXPECT_TRUE(recent.first_sighting(1, R"({"playerId":"b"})"));
}

TEST(RecentMessages, RemembersOnlyTheLastCapacityMessages) {
  RecentMessages recent(3);
  for (std::uint64_t i = 1; i <= 5; ++i) EXPECT_TRUE(recent.first_sighting(i, "x"));
  EXPECT_EQ(recent.size(), 3u);
  EXPECT_TRUE(recent.first_sighting(1, "x"));   // forgotten: evicted
  EXPECT_FALSE(recent.first_sighting(5, "x"));  // still remembered
}

}  // namespace
}  // namespace streampulse::core
