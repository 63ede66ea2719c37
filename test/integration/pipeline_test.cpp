// Heartbeats in, count out, dashboard: the whole service over real HTTP on loopback.
#include "backends.hpp"

#include "streampulse/core/webhook.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <future>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;

namespace {

json::value dashboard(unsigned short port) {
  auto r = http_get(port, "/api/dashboard");
  EXPECT_EQ(r.status, 200u);
  return json::parse(r.body);
}

class Pipeline : public ::testing::TestWithParam<Backend> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, Pipeline, ::testing::ValuesIn(all_backends()), backend_name);

TEST_P(Pipeline, ThreePlayersByWebhookGiveExactDashboard) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  EXPECT_EQ(
      send_webhook(
          port,
          R"({"playerId":"p1","bitrate":500,"playTime":10,"agent":{"os":"macOS","browser":"Google Chrome","device":"Desktop"}})")
          .status,
      204u);
  EXPECT_EQ(
      send_webhook(
          port,
          R"({"playerId":"p2","bitrate":2000,"playTime":20,"agent":{"os":"Windows","browser":"Google Chrome","device":"Desktop"}})")
          .status,
      204u);
  EXPECT_EQ(
      send_webhook(
          port,
          R"({"playerId":"p3","bitrate":5000,"playTime":33,"agent":{"os":"Android","browser":"Firefox","device":"Mobile"}})")
          .status,
      204u);

  auto d = dashboard(port);
  EXPECT_EQ(d.at("players"), json::parse(R"({"active":3,"total":3})"));
  EXPECT_EQ(d.at("playTime"), json::parse(R"({"total":63,"average":21})"));
  EXPECT_EQ(d.at("bitrates"), json::parse(R"({"min":500,"max":5000,"average":2500})"));
  EXPECT_EQ(d.at("agents"), json::parse(R"({"browsers":{"google chrome":2,"firefox":1},
      "devices":{"desktop":2,"mobile":1},"os":{"macos":1,"windows":1,"android":1}})"));
}

TEST_P(Pipeline, ViewerLongPollReceivesTheCount) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  const auto topics = service.topics_port();
  const auto token = viewer_token(port);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(send_webhook(port, R"({"playerId":"p)" + std::to_string(i) +
                                     R"(","bitrate":1000,"playTime":1})")
                  .status,
              204u);
  }
  // Follow the topic as the player page does until the count reads 3.
  std::uint64_t seq = 0, page = 0;
  std::string last;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (last != "3" && std::chrono::steady_clock::now() < deadline) {
    auto r = http_get(topics,
                      "/topics/video/viewerCount?sequence_number=" + std::to_string(seq) +
                          "&sequence_page=" + std::to_string(page),
                      {{"authorization", token}});
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto doc = json::parse(r.body);  // named: a range-for over a temporary's member dangles
    for (const auto& item : doc.at("items").as_array()) {
      if (const auto* it = item.as_object().if_contains("item")) {
        last = std::string(it->at("value").at("text").as_string());
        seq = it->at("topic_sequence_number").to_number<std::uint64_t>() + 1;
        page = it->at("sequence_page").to_number<std::uint64_t>();
      }
    }
  }
  EXPECT_EQ(last, "3");
}

namespace {

// Sends a new player's heartbeat while a viewer long-polls viewerCount; returns how long the
// count "1" took to reach the viewer.
std::chrono::steady_clock::duration time_to_count_after_join(ServiceOn& service) {
  const auto port = service.port();
  const auto topics = service.topics_port();
  const auto token = viewer_token(port);
  // Learn the current position (the count 0 is published at start).
  auto first = http_get(topics, "/topics/video/viewerCount", {{"authorization", token}});
  EXPECT_EQ(first.status, 200u);
  auto item = json::parse(first.body).at("items").at(0).at("item");
  const auto seq = item.at("topic_sequence_number").to_number<std::uint64_t>() + 1;
  const auto page = item.at("sequence_page").to_number<std::uint64_t>();
  auto waiting = std::async(std::launch::async, [&] {
    return http_get(topics,
                    "/topics/video/viewerCount?sequence_number=" + std::to_string(seq) +
                        "&sequence_page=" + std::to_string(page),
                    {{"authorization", token}});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto sent = std::chrono::steady_clock::now();
  EXPECT_EQ(send_webhook(port, R"({"playerId":"new","bitrate":1,"playTime":1})").status, 204u);
  // Keepalive republishes of "0" may come first; read until the change arrives.
  auto r = waiting.get();
  std::string text;
  auto next_seq = seq;
  for (int i = 0; i < 20 && text != "1"; ++i) {
    const auto doc = json::parse(r.body);
    for (const auto& e : doc.at("items").as_array()) {
      text = std::string(e.at("item").at("value").at("text").as_string());
      next_seq = e.at("item").at("topic_sequence_number").to_number<std::uint64_t>() + 1;
    }
    if (text == "1") break;
    r = http_get(topics,
                 "/topics/video/viewerCount?sequence_number=" + std::to_string(next_seq) +
                     "&sequence_page=" + std::to_string(page),
                 {{"authorization", token}});
  }
  EXPECT_EQ(text, "1");
  return std::chrono::steady_clock::now() - sent;
}

}  // namespace

TEST_P(Pipeline, CountChangeReachesAWaitingSubscriberQuickly) {
  ServiceOn service(GetParam());
  EXPECT_LT(time_to_count_after_join(service), std::chrono::milliseconds(250));
}

TEST_P(Pipeline, AJoinIsPublishedWithoutWaitingForTheTick) {
  // With a 2 s tick, only the publish on join can bring the count within a second.
  ServiceOn service(GetParam(), [](config::Config& c) { c.count_tick_ms = 2000; });
  EXPECT_LT(time_to_count_after_join(service), std::chrono::milliseconds(1000));
}

TEST_P(Pipeline, HeartbeatsPublishedToTheTopicAreRecorded) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  const auto topics = service.topics_port();
  const auto token = viewer_token(port);
  auto r = http_post(
      topics, "/topics/video/stream",
      R"({"playerId":"viaTopic","bitrate":1500,"playTime":7,"agent":{"os":"Linux","browser":"Firefox","device":"Desktop"}})",
      {{"authorization", token}, {"content-type", "text/plain"}});
  ASSERT_EQ(r.status, 204u) << r.body;
  json::value d;
  for (int i = 0; i < 200; ++i) {
    d = dashboard(port);
    if (d.at("players").at("total").to_number<int>() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(d.at("players"), json::parse(R"({"active":1,"total":1})"));
  EXPECT_EQ(d.at("bitrates"), json::parse(R"({"min":1500,"max":1500,"average":1500})"));
  EXPECT_EQ(d.at("agents").at("os"), json::parse(R"({"linux":1})"));
}

TEST_P(Pipeline, PlayersLeaveTheActiveCountAfterTheWindowAndTotalAfterRetention) {
  ServiceOn service(GetParam(), [](config::Config& config) {
    config.active_window_ms = 300;
    config.player_retention_s = 1;
  });
  const auto port = service.port();
  ASSERT_EQ(send_webhook(port, R"({"playerId":"brief","bitrate":1,"playTime":1})").status, 204u);
  EXPECT_EQ(dashboard(port).at("players"), json::parse(R"({"active":1,"total":1})"));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(dashboard(port).at("players"), json::parse(R"({"active":0,"total":1})"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));  // retention + a pruner pass
  EXPECT_EQ(dashboard(port).at("players"), json::parse(R"({"active":0,"total":0})"));
}

TEST_P(Pipeline, CountPublishesDoNotGrowWithPlayers) {
  // The original published the count on every heartbeat. Here 400 heartbeats in a burst, from
  // 400 players, cause at most one publish per tick (plus the keepalive).
  ServiceOn service(GetParam());  // count_tick_ms = 50 in tests
  const auto port = service.port();
  auto publishes = [&] {
    const auto body = http_get(port, "/metrics").body;
    const std::string name = "\nstreampulse_count_publishes_total ";  // the sample, not # HELP
    return std::stoul(body.substr(body.find(name) + name.size()));
  };
  const auto before = publishes();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 400; ++i) {
    ASSERT_EQ(send_webhook(port, R"({"playerId":"burst)" + std::to_string(i) +
                                     R"(","bitrate":1,"playTime":1})")
                  .status,
              204u);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
  const auto made = publishes() - before;
  EXPECT_GE(made, 1u);
  EXPECT_LE(made, static_cast<unsigned long>(elapsed_ms / 50 + 2)) << "in " << elapsed_ms << " ms";
  // Total, not active: in a slow (sanitizer) build the burst can outlast the 1.5 s window.
  EXPECT_EQ(dashboard(port).at("players").at("total").to_number<int>(), 400);
}
