// Access (issue 7, part 4): a replayed webhook on every backend.
//
// A replayed webhook, decided: within the 60 s window it is answered 204 and changes nothing a
// viewer of the dashboard sees. Momento delivers webhooks at least once (it redelivers when an
// answer is lost or slow), so a second delivery must succeed, or the sender would retry it
// again, and must not count twice. On Momento with intake "both" (the default) the pipeline
// remembers recent messages and drops the replay (streampulse_heartbeats_duplicate_total);
// elsewhere the same heartbeat is applied again, which sets the same values and only refreshes
// the player's last-seen time (so a captured event can keep its player "active" until its
// publish time leaves the window). Outside the window it is 401 stale_event.
#include "backends.hpp"
#include "reliability_support.hpp"

#include "streampulse/core/webhook.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;
using namespace std::chrono_literals;

class ReplayOn : public ::testing::TestWithParam<Backend> {};

INSTANTIATE_TEST_SUITE_P(Backends, ReplayOn, ::testing::ValuesIn(all_backends()), backend_name);

TEST_P(ReplayOn, ReplayedWebhookIsAnsweredAndChangesNothing) {
  ServiceOn service(GetParam());  // heartbeat intake "both", the default
  const auto port = service.port();
  const auto body = webhook_event(R"({"playerId":"replayed","bitrate":900,"playTime":4})");
  const std::map<std::string, std::string> headers{
      {"momento-signature", core::sign_webhook_body("test-secret", body)},
      {"content-type", "application/json"}};
  EXPECT_EQ(http_post(port, "/webhook", body, headers).status, 204u);
  auto figures = [&] {
    auto d = json::parse(http_get(port, "/api/dashboard").body).as_object();
    return json::serialize(json::object{{"players", d.at("players")},
                                        {"playTime", d.at("playTime")},
                                        {"bitrates", d.at("bitrates")},
                                        {"agents", d.at("agents")}});
  };
  const auto once = figures();
  const auto accepted = metric(port, "streampulse_heartbeats_accepted_total");
  const auto duplicates = metric(port, "streampulse_heartbeats_duplicate_total");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(http_post(port, "/webhook", body, headers).status, 204u);
  // By the other path too: Momento's original demo posted to /data.
  EXPECT_EQ(http_post(port, "/data", body, headers).status, 204u);
  EXPECT_EQ(figures(), once);
  // The service remembers recent messages wherever webhooks come in: the replays were
  // acknowledged, not recorded again (so they cannot keep a departed player "active").
  EXPECT_EQ(metric(port, "streampulse_heartbeats_accepted_total"), accepted);
  EXPECT_EQ(metric(port, "streampulse_heartbeats_duplicate_total"), duplicates + 4);
  if (GetParam() == Backend::momento) {
    EXPECT_EQ(service.fake()->request_counts()["POST /cache_client.Scs/DictionarySet"], 1u);
  }

  // The same event with a publish time past the window, correctly signed (what a replayer
  // holds a minute later): refused as not authentic now, and not recorded.
  const auto old = webhook_event(R"({"playerId":"late","bitrate":900,"playTime":4})",
                                 core::SystemClock().now_ms() - 61'000);
  const auto r = http_post(port, "/webhook", old,
                           {{"momento-signature", core::sign_webhook_body("test-secret", old)}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(), "stale_event");
  EXPECT_EQ(figures(), once);
}
