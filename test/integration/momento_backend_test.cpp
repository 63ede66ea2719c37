// The Momento backend against the fake: what lands in Momento, tokens, intake by subscription,
// faults and recovery, and several instances sharing the count duty.
#include "backends.hpp"
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
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Polls `condition` every 20 ms for up to `within`.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds within = 5000ms) {
  return poll_until(std::move(condition), within);
}

std::uint64_t metric(unsigned short port, const std::string& name) {
  const auto body = http_get(port, "/metrics").body;
  const auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) throw std::runtime_error("no metric " + name);
  return std::stoull(body.substr(at + name.size() + 2));
}

const std::string kP1 =
    R"({"playerId":"p1","bitrate":500,"playTime":10,"agent":{"os":"macOS","browser":"Google Chrome","device":"Desktop"}})";
const std::string kP2 =
    R"({"playerId":"p2","bitrate":2000,"playTime":20,"agent":{"os":"Windows","browser":"Google Chrome","device":"Desktop"}})";
const std::string kP3 =
    R"({"playerId":"p3","bitrate":5000,"playTime":33,"agent":{"os":"Android","browser":"Firefox","device":"Mobile"}})";

}  // namespace

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

TEST(MomentoBackend, OutageIsReportedByReadyzAndRecoveredFromUnaided) {
  ServiceOn service(Backend::momento);
  const auto port = service.port();
  EXPECT_EQ(http_get(port, "/readyz").status, 200u);
  Faults outage;
  outage.fail_status = 503;
  service.fake()->set_faults(outage);
  const auto r = http_get(port, "/readyz");
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_EQ(json::parse(r.body).at("backend").as_string(), "momento");
  // A webhook during the outage is answered in time with a retryable error, not a hang.
  const auto start = std::chrono::steady_clock::now();
  const auto w = send_webhook(port, kP1);
  EXPECT_GE(w.status, 500u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(http_get(port, "/healthz").status, 200u);  // alive all along

  service.fake()->clear_faults();
  EXPECT_TRUE(eventually([&] { return http_get(port, "/readyz").status == 200; }));
  EXPECT_EQ(send_webhook(port, kP1).status, 204u);
  EXPECT_TRUE(eventually([&] {
    const auto published = service.fake()->published("viewerCount");
    return !published.empty() && published.back() == "1";
  }));
}

TEST(MomentoBackend, TransientFailuresOfIdempotentWritesAreRetried) {
  ServiceOn service(Backend::momento);
  Faults once;
  once.fail_status = 503;
  once.fail_count = 1;
  once.path_prefix = "/cache_client.Scs/DictionarySet";
  service.fake()->set_faults(once);
  EXPECT_EQ(send_webhook(service.port(), kP1).status, 204u);
  EXPECT_EQ(service.fake()->request_counts()["POST /cache_client.Scs/DictionarySet"], 2u);
  EXPECT_EQ(service.fake()->dictionary("analytics").size(), 1u);
}

TEST(MomentoBackend, ThrottlingIsNotRetriedInALoop) {
  ServiceOn service(Backend::momento);
  Faults throttled;
  throttled.fail_status = 429;
  throttled.fail_count = 1;
  throttled.path_prefix = "/cache_client.Scs/DictionarySet";
  service.fake()->set_faults(throttled);
  const auto r = send_webhook(service.port(), kP1);
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_EQ(service.fake()->request_counts()["POST /cache_client.Scs/DictionarySet"], 1u);
}

TEST(MomentoBackend, PublishesAreNeverRetried) {
  ServiceOn service(Backend::momento);
  // Let the count publisher settle, then break publishing for a while.
  ASSERT_TRUE(eventually([&] { return !service.fake()->published("viewerCount").empty(); }));
  Faults reset;
  reset.reset = true;
  reset.path_prefix = "/topics/video/viewerCount";
  const auto before = service.fake()->request_counts()["POST /topics/video/viewerCount"];
  const auto errors_before = metric(service.port(), "streampulse_count_publish_errors_total");
  service.fake()->set_faults(reset);
  ASSERT_EQ(send_webhook(service.port(), kP1).status, 204u);  // the count changes: publish
  std::this_thread::sleep_for(600ms);
  service.fake()->clear_faults();
  const auto attempts = service.fake()->request_counts()["POST /topics/video/viewerCount"] - before;
  const auto errors =
      metric(service.port(), "streampulse_count_publish_errors_total") - errors_before;
  // Every attempt the fake saw is one failed publish the service counted: no hidden retries.
  EXPECT_GE(attempts, 1u);
  EXPECT_LE(attempts, errors + 1);  // +1: an attempt in flight when the fault was cleared
}

TEST(MomentoBackend, DashboardKeepsWorkingWhenTheDictionaryOutgrowsAnItem) {
  FakeMomentoOptions small;
  small.max_item_bytes = 600;  // about 17 players' entries, instead of Momento's 5 MB
  ServiceOn service(Backend::momento, {}, small);
  for (int i = 0; i < 40; ++i) {
    send_webhook(service.port(),
                 R"({"playerId":"many)" + std::to_string(i) + R"(","bitrate":1000,"playTime":5})");
  }
  EXPECT_LT(service.fake()->dictionary("analytics").size(), 40u);  // the item filled up
  const auto d = json::parse(http_get(service.port(), "/api/dashboard").body);
  EXPECT_EQ(d.at("players"), json::parse(R"({"active":40,"total":40})"));
  EXPECT_GT(metric(service.port(), "streampulse_heartbeats_failed_total"), 0u);
}

TEST(MomentoBackend, TwoInstancesShareTheCountDuty) {
  FakeMomento fake;
  auto first = std::make_unique<TestServer>(momento_config(fake));
  TestServer second(momento_config(fake));
  auto publisher = [](unsigned short port) { return metric(port, "streampulse_count_publisher"); };
  ASSERT_TRUE(eventually([&] { return publisher(first->port()) + publisher(second.port()) == 1; }));
  // Stay that way: one publisher, not two.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(publisher(first->port()) + publisher(second.port()), 1u);
  const auto published_before = metric(first->port(), "streampulse_count_publishes_total") +
                                metric(second.port(), "streampulse_count_publishes_total");
  EXPECT_GT(published_before, 0u);

  // The publisher stops (gracefully): the other takes over, well within the 3 s lease.
  const bool first_was_publisher = publisher(first->port()) == 1;
  if (first_was_publisher) {
    first.reset();
    EXPECT_TRUE(eventually([&] { return publisher(second.port()) == 1; }, 2500ms));
  } else {
    second.stop();
    EXPECT_TRUE(eventually([&] { return publisher(first->port()) == 1; }, 2500ms));
  }
}

TEST(MomentoBackend, MediaUploadedThroughOneInstanceIsServedByAnotherFromMomento) {
  FakeMomento fake;
  TestServer uploader(momento_config(fake));
  TestServer viewer(momento_config(fake));
  const std::string manifest = "#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:1.0,\nseg0.ts\n";
  const std::string segment(100'000, 'G');
  const std::map<std::string, std::string> admin{{"authorization", "Bearer test-admin"}};
  EXPECT_EQ(http_request(uploader.port(), boost::beast::http::verb::put, "/media/live/index.m3u8",
                         manifest, admin)
                .status,
            201u);
  EXPECT_EQ(http_request(uploader.port(), boost::beast::http::verb::put, "/media/live/seg0.ts",
                         segment, admin)
                .status,
            201u);

  // Many viewers ask the other instance for the new segment at once: one fetch from Momento.
  std::vector<std::future<HttpResult>> gets;
  for (int i = 0; i < 8; ++i) {
    gets.push_back(std::async(std::launch::async,
                              [&] { return http_get(viewer.port(), "/media/live/seg0.ts"); }));
  }
  for (auto& g : gets) {
    const auto r = g.get();
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, segment);
    EXPECT_EQ(r.headers.at("content-type"), "video/mp2t");
  }
  const auto fetches = fake.request_counts()["GET /cache/video"];
  EXPECT_EQ(fetches, 1u);
  const auto m = http_get(viewer.port(), "/media/live/index.m3u8");
  EXPECT_EQ(m.status, 200u);
  EXPECT_EQ(m.body, manifest);
  EXPECT_EQ(http_get(viewer.port(), "/media/live/missing.ts").status, 404u);
  // The sample stream shipped with the service is still served from its folder.
  EXPECT_EQ(http_get(viewer.port(), "/media/sample/master.m3u8").status,
            http_get(uploader.port(), "/media/sample/master.m3u8").status);
}
