#include "streampulse/core/webhook.hpp"

#include <gtest/gtest.h>

using namespace streampulse::core;

TEST(WebhookSignature, MatchesMomentoSdkGoldenVector) {
  // From docs/formats.md, "The webhook event and its signature" (the JS SDK's unit test).
  const std::string body = R"({"text":"some text", "another_field": "another field" })";
  EXPECT_EQ(sign_webhook_body("1234567890", body),
            "b43f72787eb66410ff110295b036ef828e5686af21b414ce092f02c05deea3da");
  EXPECT_EQ(sign_webhook_body("secret-key", "hello world"),
            "a512c92c5ee3a4c5bbcc9b3b176b9fa5fd2d77689cf6bfe03d3bcc70e528d019");
}

TEST(WebhookSignature, VerifiesAgainstEitherSecretDuringRotation) {
  const std::string body = "{}";
  const auto sig_old = sign_webhook_body("old", body);
  const auto sig_new = sign_webhook_body("new", body);
  EXPECT_TRUE(verify_webhook_signature({"new", "old"}, body, sig_old));
  EXPECT_TRUE(verify_webhook_signature({"new", "old"}, body, sig_new));
  EXPECT_FALSE(verify_webhook_signature({"new"}, body, sig_old));
  EXPECT_FALSE(verify_webhook_signature({"new"}, body + " ", sig_new));  // raw body, not JSON
  EXPECT_FALSE(verify_webhook_signature({"new"}, body, sig_new.substr(1)));
  EXPECT_FALSE(verify_webhook_signature({}, body, sig_new));
  std::string upper = sig_new;
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_TRUE(verify_webhook_signature({"new"}, body, upper));
}

TEST(WebhookEvent, ParsesMomentoDocumentedExample) {
  const std::string body =
      R"({"cache":"chat","topic":"room-281","event_timestamp":1704296470564,"publish_timestamp":1704296470565,"topic_sequence_number":1,"token_id":"mo-the-squirrel","text":"Here I am!!"})";
  auto e = parse_webhook_event(body, 1704296470565 + 1000);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->topic, "room-281");
  EXPECT_EQ(e->text, "Here I am!!");
  EXPECT_EQ(e->token_id, "mo-the-squirrel");
  EXPECT_EQ(e->topic_sequence_number, 1u);
}

TEST(WebhookEvent, ReplayWindowIsSixtySecondsEitherWay) {
  const EpochMs now = 1'800'000'000'000;
  auto at = [](EpochMs t) {
    return R"({"publish_timestamp":)" + std::to_string(t) + R"(,"text":"x"})";
  };
  EXPECT_TRUE(parse_webhook_event(at(now - 60'000), now));
  EXPECT_TRUE(parse_webhook_event(at(now + 60'000), now));
  auto stale = parse_webhook_event(at(now - 60'001), now);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, WebhookProblem::Kind::stale);
  auto future = parse_webhook_event(at(now + 60'001), now);
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().kind, WebhookProblem::Kind::future);
}

TEST(WebhookEvent, MalformedEventsNameTheProblem) {
  const EpochMs now = 1'800'000'000'000;
  for (const char* body : {"not json", "[]", R"({"publish_timestamp":1800000000000})",
                           R"({"publish_timestamp":"1800000000000","text":"x"})", R"({"text":"x"})",
                           R"({"publish_timestamp":1800000000000,"text":5})",
                           R"({"publish_timestamp":-5,"text":"x"})"}) {
    auto e = parse_webhook_event(body, now);
    ASSERT_FALSE(e) << body;
    EXPECT_EQ(e.error().kind, WebhookProblem::Kind::malformed) << body;
  }
}
