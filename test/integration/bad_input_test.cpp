// Every malformed request gets a 4xx JSON error that names what was wrong and changes no state.
#include "backends.hpp"

#include "streampulse/core/clock.hpp"
#include "streampulse/core/webhook.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;
namespace bh = boost::beast::http;

namespace {

struct Case {
  std::string name;
  bh::verb method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;
  unsigned status;
  std::string error;  // expected "error" code
};

std::map<std::string, std::string> signed_headers(const std::string& body) {
  return {{"momento-signature", core::sign_webhook_body("test-secret", body)}};
}

// A webhook case: `heartbeat` wrapped in a correctly signed, fresh event.
Case webhook_case(std::string name, const std::string& heartbeat, unsigned status,
                  std::string error) {
  const auto body = webhook_event(heartbeat);
  return {std::move(name),      bh::verb::post, "/webhook",      body,
          signed_headers(body), status,         std::move(error)};
}

Case signed_body_case(std::string name, const std::string& body, unsigned status,
                      std::string error) {
  return {std::move(name),      bh::verb::post, "/webhook",      body,
          signed_headers(body), status,         std::move(error)};
}

std::vector<Case> cases() {
  const std::string good = R"({"playerId":"ok","bitrate":1,"playTime":1})";
  const auto now = core::SystemClock().now_ms();
  const auto good_event = webhook_event(good);
  std::vector<Case> c{
      {"missing_signature", bh::verb::post, "/webhook", good_event, {}, 401, "missing_signature"},
      {"wrong_signature",
       bh::verb::post,
       "/webhook",
       good_event,
       {{"momento-signature", core::sign_webhook_body("other-secret", good_event)}},
       401,
       "bad_signature"},
      {"signature_of_other_body", bh::verb::post, "/data", good_event + " ",
       signed_headers(good_event), 401, "bad_signature"},
      signed_body_case("stale_event", webhook_event(good, now - 61'000), 401, "stale_event"),
      signed_body_case("future_event", webhook_event(good, now + 61'000), 401, "future_event"),
      signed_body_case("body_not_json", "{not json", 400, "bad_event"),
      signed_body_case("event_without_text", R"({"publish_timestamp":)" + std::to_string(now) + "}",
                       400, "bad_event"),
      webhook_case("text_not_json", "hello", 400, "invalid_heartbeat"),
      webhook_case("player_id_missing", R"({"bitrate":1,"playTime":1})", 400, "invalid_heartbeat"),
      webhook_case("player_id_empty", R"({"playerId":"","bitrate":1,"playTime":1})", 400,
                   "invalid_heartbeat"),
      webhook_case("player_id_too_long",
                   R"({"playerId":")" + std::string(65, 'a') + R"(","bitrate":1,"playTime":1})",
                   400, "invalid_heartbeat"),
      webhook_case("player_id_bad_characters",
                   R"({"playerId":"<script>","bitrate":1,"playTime":1})", 400, "invalid_heartbeat"),
      webhook_case("bitrate_negative", R"({"playerId":"x","bitrate":-5,"playTime":1})", 400,
                   "invalid_heartbeat"),
      webhook_case("bitrate_not_numeric", R"({"playerId":"x","bitrate":"fast","playTime":1})", 400,
                   "invalid_heartbeat"),
      webhook_case("bitrate_nan", R"({"playerId":"x","bitrate":NaN,"playTime":1})", 400,
                   "invalid_heartbeat"),
      webhook_case("bitrate_huge", R"({"playerId":"x","bitrate":1e999,"playTime":1})", 400,
                   "invalid_heartbeat"),
      webhook_case("play_time_wrong_type", R"({"playerId":"x","bitrate":1,"playTime":[1]})", 400,
                   "invalid_heartbeat"),
      webhook_case("agent_wrong_type", R"({"playerId":"x","bitrate":1,"playTime":1,"agent":[]})",
                   400, "invalid_heartbeat"),
      {"oversized_body",
       bh::verb::post,
       "/webhook",
       std::string(70 * 1024, 'x'),
       {},
       413,
       "payload_too_large"},
      {"unknown_route", bh::verb::get, "/nowhere", "", {}, 404, "not_found"},
      {"wrong_method", bh::verb::delete_, "/api/dashboard", "", {}, 405, "method_not_allowed"},
      {"get_webhook", bh::verb::get, "/webhook", "", {}, 405, "method_not_allowed"},
      {"topic_without_token",
       bh::verb::post,
       "/topics/video/stream",
       good,
       {},
       401,
       "missing_token"},
      {"topic_with_garbage_token",
       bh::verb::post,
       "/topics/video/stream",
       good,
       {{"authorization", "garbage"}},
       401,
       "invalid_token"},
      {"topic_other_cache",
       bh::verb::get,
       "/topics/other/viewerCount",
       "",
       {{"authorization", "Bearer test-admin"}},
       404,
       "cache_not_found"},
      {"topic_bad_sequence",
       bh::verb::get,
       "/topics/video/viewerCount?sequence_number=-1",
       "",
       {{"authorization", "Bearer test-admin"}},
       400,
       "invalid_argument"},
      {"topic_invalid_heartbeat",
       bh::verb::post,
       "/topics/video/stream",
       R"({"playerId":"x","bitrate":-1,"playTime":1})",
       {{"authorization", "Bearer test-admin"}},
       400,
       "invalid_heartbeat"},
      {"topic_message_over_4k",
       bh::verb::post,
       "/topics/video/chat",
       std::string(5000, 'x'),
       {{"authorization", "Bearer test-admin"}},
       413,
       "payload_too_large"},
  };
  return c;
}

class BadInputOn : public ::testing::TestWithParam<Backend> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, BadInputOn,
                         ::testing::ValuesIn(all_backends()), backend_name);

TEST_P(BadInputOn, EachIsRefusedAndChangesNoState) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  const auto before = http_get(port, "/api/dashboard").body;
  for (const auto& c : cases()) {
    // On Momento, viewers talk to Momento's topics, not to the service: those cases are
    // Momento's own (the fake's tests cover them).
    if (GetParam() == Backend::momento && c.target.starts_with("/topics/")) continue;
    auto r = http_request(port, c.method, c.target, c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/json") << c.name;
    auto body = json::parse(r.body);
    EXPECT_EQ(body.at("error").as_string(), c.error) << c.name << ": " << r.body;
    EXPECT_FALSE(body.at("message").as_string().empty()) << c.name;
  }
  // Nothing was recorded: the dashboard is as it was (but for the time it was generated).
  auto strip = [](std::string s) {
    auto v = json::parse(s);
    v.as_object().erase("generatedAt");
    return json::serialize(v);
  };
  EXPECT_EQ(strip(http_get(port, "/api/dashboard").body), strip(before));
  // And the webhook still works afterwards.
  const auto ok = webhook_event(R"({"playerId":"ok","bitrate":1,"playTime":1})");
  EXPECT_EQ(http_post(port, "/webhook", ok, signed_headers(ok)).status, 204u);
}

TEST(BadInput, MessagesNameTheField) {
  TestServer server;
  const auto body = webhook_event(R"({"playerId":"x","bitrate":"fast","playTime":1})");
  auto r = http_post(server.port(), "/webhook", body, signed_headers(body));
  EXPECT_NE(r.body.find("bitrate"), std::string::npos) << r.body;
}

TEST(BadInput, WebhookWithoutSecretConfiguredAnswers503) {
  auto config = test_config();
  config.webhook_secrets.clear();
  TestServer server(config);
  auto r = http_post(server.port(), "/webhook", "{}");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(), "webhook_disabled");
}

TEST(BadInput, SecondSecretAcceptedDuringRotation) {
  auto config = test_config();
  config.webhook_secrets = {"new-secret", "test-secret"};
  TestServer server(config);
  const auto body = webhook_event(R"({"playerId":"r","bitrate":1,"playTime":1})");
  EXPECT_EQ(http_post(server.port(), "/webhook", body, signed_headers(body)).status, 204u);
}
