// Topics of the embedded backend: sequence numbers, pages, discontinuities and limits (long-polls:
// topic_poll_test.cpp).
#include "topic_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

using namespace topic_test;

TEST_F(TopicTest, SequenceNumbersStartAtOneOnARandomPage) {
  publish("t", "a", "viewer-1");
  publish("t", "b");
  publish("t", "c");
  const std::uint64_t page = page_of("t");
  EXPECT_NE(page, 0u);
  EXPECT_LT(page, std::uint64_t{1} << 53);
  const Events events = poll("t", {1, page});
  ASSERT_EQ(events.size(), 3u);
  for (std::uint64_t i = 0; i < 3; ++i) {
    const auto& item = std::get<TopicItem>(events[i]);
    EXPECT_EQ(item.topic_sequence_number, i + 1);
    EXPECT_EQ(item.sequence_page, page);
    EXPECT_FALSE(item.value.binary);
  }
  EXPECT_EQ(text(events[0]), "a");
  EXPECT_EQ(std::get<TopicItem>(events[0]).publisher_id, "viewer-1");
  EXPECT_EQ(text(events[2]), "c");
  publish("u", "x");
  EXPECT_NE(page_of("u"), page);  // each topic has its own page
}

TEST_F(TopicTest, ResumesFromTheNextPosition) {
  publish("t", "a");
  publish("t", "b");
  const std::uint64_t page = page_of("t");
  Events events = poll("t", {2, page});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(text(events[0]), "b");
  const SubscribePosition next = next_position({2, page}, events);
  EXPECT_EQ(next.sequence_number, 3u);
  EXPECT_EQ(next.sequence_page, page);
  EXPECT_TRUE(poll("t", next).empty());  // nothing new, no wait
  publish("t", "c");
  events = poll("t", next);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(seq(events[0]), 3u);
  // Page 0 with a sequence number means "the current page".
  EXPECT_EQ(poll("t", {3, 0}).size(), 1u);
}

TEST_F(TopicTest, NewSubscriberGetsLatestAtOnce) {
  publish("t", "1");
  publish("t", "2");
  const Events events = poll("t", {0, 0}, 5s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(seq(events[0]), 2u);
  EXPECT_EQ(text(events[0]), "2");
}

TEST_F(TopicTest, DiscontinuityOnPageMismatch) {
  publish("t", "a");
  publish("t", "b");
  const std::uint64_t page = page_of("t");
  const std::uint64_t other = page == 1 ? 2 : page - 1;
  const Events events = poll("t", {7, other});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(gap(events[0]).last_topic_sequence, 6u);
  EXPECT_EQ(gap(events[0]).new_topic_sequence, 1u);
  EXPECT_EQ(gap(events[0]).new_sequence_page, page);
  EXPECT_EQ(seq(events[1]), 1u);
  EXPECT_EQ(seq(events[2]), 2u);
  const SubscribePosition next = next_position({7, other}, events);
  EXPECT_EQ(next.sequence_number, 3u);
  EXPECT_EQ(next.sequence_page, page);
}

TEST_F(TopicTest, DiscontinuityOnEmptyTopicPointsAtNextSequence) {
  const Events events = poll("fresh", {5, 12345});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(gap(events[0]).last_topic_sequence, 4u);
  EXPECT_EQ(gap(events[0]).new_topic_sequence, 1u);
  EXPECT_NE(gap(events[0]).new_sequence_page, 12345u);
}

TEST_F(TopicSmallHistoryTest, DiscontinuityOnTrimmedHistory) {
  for (int i = 1; i <= 5; ++i) publish("t", std::to_string(i));
  const std::uint64_t page = page_of("t");
  Events events = poll("t", {1, page});
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(gap(events[0]).last_topic_sequence, 0u);
  EXPECT_EQ(gap(events[0]).new_topic_sequence, 3u);
  EXPECT_EQ(gap(events[0]).new_sequence_page, page);
  EXPECT_EQ(text(events[1]), "3");
  EXPECT_EQ(text(events[3]), "5");
  events = poll("t", {2, page});
  EXPECT_EQ(gap(events.at(0)).last_topic_sequence, 1u);
  events = poll("t", {4, page});  // still retained: no gap
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(seq(events[0]), 4u);
  events = poll("t", {9, page});  // ahead of the topic: a stale position, resync
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(gap(events[0]).last_topic_sequence, 8u);
  EXPECT_EQ(gap(events[0]).new_topic_sequence, 3u);
}

TEST_F(TopicLimitsTest, TooManyTopicsIsResourceExhausted) {
  publish("a", "1");
  publish("b", "1");
  EXPECT_EQ(run(store_.topic_publish("c", {false, "1"}, {})).error(),
            make_error_code(errc::resource_exhausted));
  EXPECT_EQ(run(store_.topic_poll("c", {0, 0}, 0ms)).error(),
            make_error_code(errc::resource_exhausted));
  publish("a", "2");  // existing topics still work
}

TEST_F(TopicTest, PingSucceeds) { EXPECT_TRUE(run(store_.ping())); }

TEST_F(TopicTest, OversizePayloadIsRejected) {
  EXPECT_TRUE(run(store_.topic_publish("t", {false, std::string(4096, 'x')}, {})));
  EXPECT_EQ(run(store_.topic_publish("t", {false, std::string(4097, 'x')}, {})).error(),
            make_error_code(errc::payload_too_large));
  EXPECT_EQ(poll("t", {0, 0}).size(), 1u);
}

TEST(TopicNextPositionTest, FollowsMomentosResumeRule) {
  const SubscribePosition from{5, 9};
  EXPECT_EQ(next_position(from, {}).sequence_number, 5u);
  EXPECT_EQ(next_position(from, {}).sequence_page, 9u);
  const Events events{Discontinuity{4, 10, 11}, TopicItem{10, 11, {}, {}, {}},
                      TopicItem{11, 11, {}, {}, {}}};
  EXPECT_EQ(next_position(from, events).sequence_number, 12u);
  EXPECT_EQ(next_position(from, events).sequence_page, 11u);
  const Events only_gap{Discontinuity{4, 10, 11}};
  EXPECT_EQ(next_position(from, only_gap).sequence_number, 10u);
  EXPECT_EQ(next_position(from, only_gap).sequence_page, 11u);
}

}  // namespace
