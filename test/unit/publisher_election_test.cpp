#include "streampulse/core/publisher_election.hpp"

#include <gtest/gtest.h>

namespace streampulse::core {
namespace {

using Members = std::vector<store::ScoredMember>;

TEST(PublisherElection, SmallestLiveIdPublishes) {
  const Members members{{"b", 10'000}, {"a", 10'000}, {"c", 9'500}};
  EXPECT_TRUE(is_count_publisher("a", members, 10'500, 3000));
  EXPECT_FALSE(is_count_publisher("b", members, 10'500, 3000));
  EXPECT_FALSE(is_count_publisher("c", members, 10'500, 3000));
}

TEST(PublisherElection, ASilentInstanceLosesTheDutyAfterTheLease) {
  const Members members{{"a", 1'000}, {"b", 10'000}};
  EXPECT_FALSE(is_count_publisher("b", members, 3'999, 3000));  // a still within its lease
  EXPECT_TRUE(is_count_publisher("b", members, 4'001, 3000));   // a silent for over 3 s
}

TEST(PublisherElection, AnInstanceItDoesNotSeeItselfIsNotThePublisher) {
  EXPECT_FALSE(is_count_publisher("a", Members{{"b", 10'000}}, 10'000, 3000));
  EXPECT_FALSE(is_count_publisher("a", Members{}, 10'000, 3000));
  EXPECT_TRUE(is_count_publisher("a", Members{{"a", 10'000}}, 10'000, 3000));
}

TEST(PublisherElection, InstanceIdsAreRandomHex) {
  const auto a = make_instance_id();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, make_instance_id());
}

}  // namespace
}  // namespace streampulse::core
