// The Momento backend against the fake: what lands in Momento, tokens, and intake by webhook
// and by subscription.
#include "backends.hpp"
#include "momento_backend_support.hpp"
#include "poll_until.hpp"

#include "streampulse/core/webhook.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <future>
#include <thread>

using namespace streampulse;
using namespace streampulse::testing;
using namespace streampulse::testing::momento_backend;
namespace json = boost::json;
using namespace std::chrono_literals;

TEST(MomentoBackend, WebhooksLandInMomentoAsTheOriginalDemoWouldHaveThem) {
  ServiceOn service(Backend::momento);
  auto& fake = *service.fake();
  for (const auto* hb : {&kP1, &kP2, &kP3})
    ASSERT_EQ(send_webhook(service.port(), *hb).status, 204u);

  // activePlayers: playerId -> time seen (ms); analytics: playerId -> the heartbeat.
  const auto set = fake.sorted_set("activePlayers");
  ASSERT_EQ(set.size(), 3u);
  const double now = static_cast<double>(core::SystemClock().now_ms());
  for (const auto& m : set) EXPECT_NEAR(m.score, now, 5000) << m.value;
  const auto dict = fake.dictionary("analytics");
  ASSERT_EQ(dict.size(), 3u);
  EXPECT_EQ(dict[0].field, "p1");
  const auto p1 = json::parse(dict[0].value);
  EXPECT_EQ(p1.at("bitrate").to_number<int>(), 500);
  EXPECT_EQ(p1.at("playTime").to_number<int>(), 10);
  EXPECT_EQ(p1.at("agent").at("browser").as_string(), "Google Chrome");

  // The count reaches Momento's viewerCount topic, and the dashboard is exact.
  EXPECT_TRUE(eventually([&] {
    const auto published = fake.published("viewerCount");
    return !published.empty() && published.back() == "3";
  }));
  const auto d = json::parse(http_get(service.port(), "/api/dashboard").body);
  EXPECT_EQ(d.at("players"), json::parse(R"({"active":3,"total":3})"));
  EXPECT_EQ(d.at("bitrates"), json::parse(R"({"min":500,"max":5000,"average":2500})"));
  // Each heartbeat's dictionary write went out once (the sorted set also carries the
  // instances' announcements, so its count says less).
  EXPECT_EQ(fake.request_counts()["POST /cache_client.Scs/DictionarySet"], 3u);
}

// Text mode is the default; binary (application/grpc-web, as Momento's .NET web build) works too.
TEST(MomentoBackend, BinaryModeGrpcWebWorksToo) {
  ServiceOn service(Backend::momento, [](config::Config& c) {
    c.momento_grpc_web = config::GrpcWebEncoding::binary;
  });
  ASSERT_EQ(send_webhook(service.port(), kP1).status, 204u);
  EXPECT_EQ(service.fake()->dictionary("analytics").size(), 1u);
  const auto d = json::parse(http_get(service.port(), "/api/dashboard").body);
  EXPECT_EQ(d.at("players"), json::parse(R"({"active":1,"total":1})"));
}

TEST(MomentoBackend, PlayerConfigHandsOutAScopedDisposableToken) {
  ServiceOn service(Backend::momento);
  const auto r = http_get(service.port(), "/api/player-config");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto cfg = json::parse(r.body);
  const auto& topics = cfg.at("topics");
  EXPECT_EQ(topics.at("baseUrl").as_string(), service.fake()->base_url());
  const auto expires = topics.at("expiresAt").to_number<std::int64_t>();
  const auto now = core::SystemClock().now_ms();
  EXPECT_GT(expires, now);
  EXPECT_LE(expires, now + 15 * 60 * 1000 + 2000);
  const std::string token(topics.at("token").as_string());
  EXPECT_NE(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
      0u);
  // The token publishes heartbeats and reads the count, nothing else.
  const auto fake = service.topics_port();
  const std::map<std::string, std::string> auth{{"authorization", token},
                                                {"content-type", "text/plain"}};
  EXPECT_EQ(http_post(fake, "/topics/video/stream", kP1, auth).status, 204u);
  EXPECT_EQ(http_post(fake, "/topics/video/viewerCount", "99", auth).status, 403u);
  EXPECT_EQ(http_get(fake, "/topics/video/stream", auth).status, 403u);
}

TEST(MomentoBackend, HeartbeatsArrivingByWebhookAndSubscriptionAreRecordedOnce) {
  // The fake delivers every heartbeat-topic message to the service's webhook as Momento does,
  // and the service also reads the topic itself: each heartbeat arrives twice.
  auto fake_options = FakeMomentoOptions{};
  fake_options.webhook_secret = "test-secret";
  fake_options.webhook_url = "set below";
  // The webhook URL needs the service's port, which exists only after the service starts:
  // start the service on a fixed free port instead.
  boost::asio::io_context probe_ioc;
  boost::asio::ip::tcp::acceptor probe(probe_ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto service_port = probe.local_endpoint().port();
  probe.close();
  fake_options.webhook_url = "http://127.0.0.1:" + std::to_string(service_port) + "/webhook";
  ServiceOn service(
      Backend::momento,
      [&](config::Config& c) { c.listen = "127.0.0.1:" + std::to_string(service_port); },
      fake_options);
  for (const auto* hb : {&kP1, &kP2, &kP3}) {  // three players: three tokens
    const std::map<std::string, std::string> auth{{"authorization", viewer_token(service.port())},
                                                  {"content-type", "text/plain"}};
    ASSERT_EQ(http_post(service.topics_port(), "/topics/video/stream", *hb, auth).status, 204u);
  }
  ASSERT_TRUE(eventually([&] {
    return metric(service.port(), "streampulse_heartbeats_duplicate_total") == 3;
  })) << http_get(service.port(), "/metrics").body;
  EXPECT_EQ(metric(service.port(), "streampulse_heartbeats_accepted_total"), 3u);
  EXPECT_EQ(service.fake()->request_counts()["POST /cache_client.Scs/DictionarySet"], 3u);
  // The fake counts a delivery once it has read the answer, just after the service recorded it.
  EXPECT_TRUE(eventually([&] { return service.fake()->webhook_stats().delivered == 3; }));
}

TEST(MomentoBackend, SubscriptionOnlyIntakeTurnsTheWebhookOff) {
  ServiceOn service(Backend::momento, [](config::Config& c) {
    c.heartbeat_intake = config::HeartbeatIntake::subscription;
  });
  EXPECT_EQ(send_webhook(service.port(), kP1).status, 404u);
  const auto token = viewer_token(service.port());
  ASSERT_EQ(http_post(service.topics_port(), "/topics/video/stream", kP2,
                      {{"authorization", token}, {"content-type", "text/plain"}})
                .status,
            204u);
  EXPECT_TRUE(eventually([&] { return service.fake()->dictionary("analytics").size() == 1; }));
}
