// The Momento backend against the fake: faults and recovery, retries, a dictionary that outgrows
// an item, several instances sharing the count duty, and media shared through Momento.
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
