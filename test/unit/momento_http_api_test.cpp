// The HTTP API's paths and its long-poll answer (docs/momento.md §11.2), and the backoff rule.
#include "streampulse/core/error.hpp"
#include "streampulse/momento/call_policy.hpp"
#include "streampulse/momento/http_api.hpp"

#include <gtest/gtest.h>

namespace streampulse::momento {
namespace {

TEST(MomentoHttpApi, PathsEncodeNamesAsSegments) {
  EXPECT_EQ(http_api::topic_path("video", "viewerCount"), "/topics/video/viewerCount");
  EXPECT_EQ(http_api::topic_path("my cache", "a/b"), "/topics/my%20cache/a%2Fb");
  EXPECT_EQ(http_api::subscribe_target("video", "stream", {105, 1748358253}),
            "/topics/video/stream?sequence_number=105&sequence_page=1748358253");
  EXPECT_EQ(http_api::scalar_target("video", "sample/master.m3u8", 3600),
            "/cache/video?key=sample%2Fmaster.m3u8&ttl_seconds=3600");
  EXPECT_EQ(http_api::scalar_target("video", "k"), "/cache/video?key=k");
}

TEST(MomentoHttpApi, ReadsTheDocumentedExample) {
  // The example answer of Momento's Topics HTTP API reference.
  auto events = http_api::read_long_poll(
      R"({"items":[{"discontinuity":{"last_topic_sequence":100,"new_topic_sequence":104,"new_sequence_page":1748358253}},)"
      R"({"item":{"topic_sequence_number":104,"sequence_page":1748358253,"value":{"text":"hello world"}}}]})");
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 2u);
  const auto& d = std::get<store::Discontinuity>((*events)[0]);
  EXPECT_EQ(d.last_topic_sequence, 100u);
  EXPECT_EQ(d.new_topic_sequence, 104u);
  EXPECT_EQ(d.new_sequence_page, 1748358253u);
  const auto& item = std::get<store::TopicItem>((*events)[1]);
  EXPECT_EQ(item.topic_sequence_number, 104u);
  EXPECT_EQ(item.sequence_page, 1748358253u);
  EXPECT_FALSE(item.value.binary);
  EXPECT_EQ(item.value.data, "hello world");
  EXPECT_EQ(store::next_position({0, 0}, *events).sequence_number, 105u);
}

TEST(MomentoHttpApi, ReadsBinaryValuesStringNumbersAndSkipsHeartbeats) {
  auto events = http_api::read_long_poll(
      R"({"items":[{"heartbeat":{}},{"item":{"topic_sequence_number":"7","sequence_page":"2",)"
      R"("value":{"binary":"AAEC"},"publisher_id":"viewer-1"}}]})");
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  const auto& item = std::get<store::TopicItem>((*events)[0]);
  EXPECT_EQ(item.topic_sequence_number, 7u);
  EXPECT_EQ(item.sequence_page, 2u);
  EXPECT_TRUE(item.value.binary);
  EXPECT_EQ(item.value.data, std::string("\x00\x01\x02", 3));
  EXPECT_EQ(item.publisher_id, "viewer-1");
}

TEST(MomentoHttpApi, EmptyAnswersAreEmptyAndGarbageIsAnError) {
  for (const char* empty : {R"({})", R"({"items":[]})", R"({"items":null})"}) {
    auto events = http_api::read_long_poll(empty);
    ASSERT_TRUE(events.has_value()) << empty;
    EXPECT_TRUE(events->empty()) << empty;
  }
  for (const char* bad :
       {"", "[]", "not json", R"({"items":{}})", R"({"items":[1]})",
        R"({"items":[{"item":{"topic_sequence_number":1}}]})",
        R"({"items":[{"item":{"topic_sequence_number":-1,"value":{"text":""}}}]})",
        R"({"items":[{"item":{"value":{"binary":"!!"}}}]})"}) {
    auto events = http_api::read_long_poll(bad);
    ASSERT_TRUE(events.has_error()) << bad;
    EXPECT_EQ(events.error(), errc::internal) << bad;
  }
}

TEST(MomentoCallPolicy, BackoffIsJitteredExponentialAndCapped) {
  CallPolicy p;  // 50 ms base, 1 s cap
  EXPECT_EQ(backoff_delay(p, 1, 0.999).count(), 50);
  EXPECT_EQ(backoff_delay(p, 2, 0.999).count(), 100);
  EXPECT_EQ(backoff_delay(p, 3, 0.5).count(), 100);
  EXPECT_EQ(backoff_delay(p, 10, 1.0).count(), 1000);  // capped
  EXPECT_GE(backoff_delay(p, 1, 0.0).count(), 1);      // never zero: no busy loop
}

}  // namespace
}  // namespace streampulse::momento
