// Viewing quality, CMCD, history, the live dashboard (SSE) and /metrics over real HTTP.
#include "api_helpers.hpp"
#include "backends.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

using namespace streampulse;
using namespace streampulse::testing;
using namespace streampulse::testing::api_helpers;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

json::value dashboard(unsigned short port) {
  auto r = http_get(port, "/api/dashboard");
  EXPECT_EQ(r.status, 200u);
  return json::parse(r.body);
}

bool active_is(const SseClient& c, std::int64_t n) {
  auto e = c.last_event();
  return e && e->at("players").at("active").as_int64() == n;
}

class Quality : public ::testing::TestWithParam<Backend> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, Quality, ::testing::ValuesIn(all_backends()), backend_name);

TEST_P(Quality, RebufferDeltasAddUpOnTheDashboard) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  ASSERT_EQ(send_webhook(port, R"({"playerId":"q1","bitrate":1000,"playTime":10,"startupMs":800,)"
                               R"("rebufferCount":1,"rebufferMs":500,"state":"buffering",)"
                               R"("throughputBps":4000000,"errors":0})")
                .status,
            204u);
  ASSERT_EQ(send_webhook(port, R"({"playerId":"q1","bitrate":1000,"playTime":11,)"
                               R"("rebufferCount":1,"rebufferMs":300,"state":"playing"})")
                .status,
            204u);
  ASSERT_EQ(send_webhook(port, R"({"playerId":"q2","bitrate":3000,"playTime":5,"startupMs":1200,)"
                               R"("rebufferCount":0,"rebufferMs":0,"state":"buffering"})")
                .status,
            204u);
  // The original heartbeat is still valid and adds no quality figures.
  ASSERT_EQ(send_webhook(port, R"({"playerId":"q3","bitrate":500,"playTime":1})").status, 204u);

  auto q = dashboard(port).at("quality");
  EXPECT_EQ(q.at("rebufferCount").as_int64(), 2);
  EXPECT_EQ(q.at("rebufferMs").to_number<double>(), 800);
  EXPECT_EQ(q.at("zeroBufferShare").to_number<double>(), 0.5);
  EXPECT_EQ(q.at("bufferRate").to_number<double>(), 0.5);  // q2 buffering, q1 playing
  EXPECT_EQ(q.at("states"), json::parse(R"({"playing":1,"paused":0,"buffering":1})"));
  EXPECT_EQ(q.at("errors").as_int64(), 0);
  EXPECT_TRUE(q.at("droppedFrames").is_null());  // nobody reported it
  EXPECT_NEAR(q.at("startupMs").at("p95").to_number<double>(), 1200, 1200 * 0.13);
  EXPECT_NEAR(q.at("throughputBps").at("p50").to_number<double>(), 4e6, 4e6 * 0.13);
}

TEST_P(Quality, InvalidQualityFieldIsRefusedByName) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  auto r = send_webhook(port, R"({"playerId":"q1","bitrate":1,"playTime":1,"state":"stuck"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("'state'"), std::string::npos) << r.body;
  r = send_webhook(port, R"({"playerId":"q1","bitrate":1,"playTime":1,"rebufferCount":-1})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("'rebufferCount'"), std::string::npos) << r.body;
  EXPECT_EQ(dashboard(port).at("players").at("total").as_int64(), 0);
}

TEST_P(Quality, CmcdReportsCountLikeHeartbeats) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  auto pre = http_request(
      port, boost::beast::http::verb::options, "/cmcd", "",
      {{"origin", "http://player.example"}, {"access-control-request-method", "POST"}});
  EXPECT_EQ(pre.status, 204u);
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "*");

  // A viewer token (the reportToken), bound to the report's sid: one token, one player.
  const std::map<std::string, std::string> headers{
      {"content-type", "application/json"}, {"authorization", viewer_config(port).report_token}};
  auto r = http_post(port, "/cmcd",
                     R"([{"v":2,"sid":"cmcd-1","br":2400,"mtp":8000,"sta":"p","bs":false},)"
                     R"({"v":2,"sid":"cmcd-1","bs":true,"bsd":700,"sta":"r","e":"e"}])",
                     headers);
  EXPECT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(r.headers["access-control-allow-origin"], "*");
  auto d = dashboard(port);
  EXPECT_EQ(d.at("players").at("total").as_int64(), 1);
  EXPECT_EQ(d.at("bitrates").at("max").to_number<double>(), 2400);
  const auto& q = d.at("quality");
  EXPECT_EQ(q.at("rebufferCount").as_int64(), 1);
  EXPECT_EQ(q.at("rebufferMs").to_number<double>(), 700);
  EXPECT_EQ(q.at("errors").as_int64(), 1);
  EXPECT_EQ(q.at("bufferRate").to_number<double>(), 1);

  r = http_post(port, "/cmcd", R"({"sid":"cmcd-1","br":"high"})", headers);
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("'br'"), std::string::npos) << r.body;
  EXPECT_EQ(dashboard(port).at("players").at("total").as_int64(), 1);
}

TEST_P(Quality, TwoStreamsUpdateWithinASecondOfAChange) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  SseClient a(port), b(port);
  auto has_event = [](const std::string& t) {
    return t.find("\n\n", t.find("data: ")) != std::string::npos;
  };
  ASSERT_TRUE(a.read_until(has_event, 3s)) << a.text();
  ASSERT_TRUE(b.read_until(has_event, 3s)) << b.text();
  EXPECT_NE(a.text().find("Content-Type: text/event-stream"), std::string::npos) << a.text();

  ASSERT_EQ(send_webhook(port, R"({"playerId":"live1","bitrate":1,"playTime":1})").status, 204u);
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(a.read_until([&](const std::string&) { return active_is(a, 1); }, 3s)) << a.text();
  ASSERT_TRUE(b.read_until([&](const std::string&) { return active_is(b, 1); }, 3s)) << b.text();
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 1500ms);
}

TEST(LiveDashboard, StreamsEndWhenTheServiceStops) {
  TestServer server;
  SseClient a(server.port());
  ASSERT_TRUE(
      a.read_until([](const std::string& t) { return t.find("data: ") != std::string::npos; }, 3s));
  const auto started = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);  // well within the grace
  EXPECT_TRUE(a.read_until([&](const std::string&) { return a.closed(); }, 2s));
}

TEST(LiveDashboard, StreamsBeyondTheBoundAre429) {
  auto config = test_config();
  config.max_dashboard_streams_per_client = 1000;  // one client opens them all
  TestServer server(config);
  std::vector<std::unique_ptr<SseClient>> open;
  for (int i = 0; i < 256; ++i) {
    open.push_back(std::make_unique<SseClient>(server.port()));
    ASSERT_TRUE(open.back()->read_until(
        [](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; }, 3s));
  }
  auto r = http_get(server.port(), "/api/dashboard/stream");
  EXPECT_EQ(r.status, 429u);
  EXPECT_NE(r.body.find("resource_exhausted"), std::string::npos);
  open.pop_back();
  // A closed stream frees its place once the service notices (the next update it writes).
  bool freed = false;
  for (int i = 0; i < 40 && !freed; ++i) {
    std::this_thread::sleep_for(100ms);
    SseClient probe(server.port());
    freed = probe.read_until(
                [](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; }, 1s) &&
            probe.text().find(" 200 ") != std::string::npos;
  }
  EXPECT_TRUE(freed);
}

TEST(LiveDashboard, HistoryAndPeakSurviveARestart) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("streampulse-history-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto config = test_config();
  config.data_dir = dir.string();
  {
    TestServer server(config);
    for (int i = 0; i < 3; ++i)
      ASSERT_EQ(send_webhook(server.port(), R"({"playerId":"h)" + std::to_string(i) +
                                                R"(","bitrate":1,"playTime":1})")
                    .status,
                204u);
    std::this_thread::sleep_for(700ms);  // a tick or two of the feed
    auto h = json::parse(http_get(server.port(), "/api/history").body);
    EXPECT_EQ(h.at("peak").at("players").as_int64(), 3);
    const auto& counts = h.at("perSecond").at("counts").as_array();
    EXPECT_EQ(counts.size(), 3600u);
    bool three = false;
    for (const auto& c : counts) three = three || (c.is_int64() && c.as_int64() == 3);
    EXPECT_TRUE(three);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "history.json"));
  {
    TestServer server(config);
    auto h = json::parse(http_get(server.port(), "/api/history").body);
    EXPECT_EQ(h.at("peak").at("players").as_int64(), 3);
  }
  std::filesystem::remove_all(dir);
}

TEST(Metrics, QualityGaugesCountersAndHistograms) {
  TestServer server;
  const auto port = server.port();
  ASSERT_EQ(send_webhook(port, R"({"playerId":"m1","bitrate":1000,"playTime":1,"state":"playing",)"
                               R"("rebufferCount":0,"rebufferMs":0,"startupMs":900})")
                .status,
            204u);
  EXPECT_EQ(send_webhook(port, R"({"playerId":"m1","bitrate":"x","playTime":1})").status, 400u);
  http_get(port, "/api/dashboard");
  const auto text = http_get(port, "/metrics").body;
  for (const char* needle : {"streampulse_buffer_rate 0\n", "streampulse_zero_buffer_share 1\n",
                             "streampulse_players_state{state=\"playing\"} 1\n",
                             "streampulse_startup_seconds{quantile=\"0.5\"}",
                             "streampulse_heartbeats_refused_total{reason=\"invalid\"} 1\n",
                             "streampulse_heartbeats_invalid_by_field_total{field=\"bitrate\"} 1\n",
                             "streampulse_requests_total{route=\"dashboard\",code=\"200\"} 1\n",
                             "streampulse_requests_total{route=\"webhook\",code=\"400\"} 1\n",
                             "streampulse_request_duration_seconds_bucket{route=\"dashboard\","
                             "le=\"+Inf\"} 1\n",
                             "streampulse_request_duration_seconds_count{route=\"webhook\"} 2\n",
                             "streampulse_heartbeat_record_duration_seconds_sum",
                             "streampulse_backend_errors_total{operation=\"heartbeat\"} 0\n",
                             "streampulse_count_publishes_total"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
  // Nobody reported throughput: no sample, not 0.
  EXPECT_EQ(text.find("streampulse_throughput_bps"), std::string::npos);
}
