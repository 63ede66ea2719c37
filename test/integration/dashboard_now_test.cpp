// The dashboard says what its figures cover (issue 17, points 2 and 7), through a real server
// and real HTTP: "now" holds the players active now and is empty once they stop, while the
// retention figures keep them; agent names come back as the players sent them ("agentNames");
// quality figures carry how many players they come from ("reporting").
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <thread>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

json::object dashboard(unsigned short port) {
  const auto r = http_get(port, "/api/dashboard");
  EXPECT_EQ(r.status, 200u) << r.body;
  return json::parse(r.body).as_object();
}

}  // namespace

TEST(DashboardNow, NowEmptiesWhenPlayersStopWhileTheRetentionKeepsThem) {
  auto config = test_config();
  config.active_window_ms = 400;
  TestServer server(config);
  const auto port = server.port();
  ASSERT_EQ(send_webhook(port, R"({"playerId":"p1","bitrate":25000,"playTime":3,
      "agent":{"browser":"QQBrowser","os":"tvOS","device":"Smart TV"},
      "rebufferCount":0,"rebufferMs":0})")
                .status,
            204u);
  ASSERT_EQ(send_webhook(port, R"({"playerId":"p2","bitrate":800,"playTime":1})").status, 204u);

  auto d = dashboard(port);
  const auto& now = d.at("now").as_object();
  EXPECT_EQ(now.at("players").as_int64(), 2);
  EXPECT_EQ(now.at("bitrates").at("max").to_number<double>(), 25000);
  EXPECT_EQ(now.at("agents").at("browsers").at("qqbrowser").as_int64(), 1);
  EXPECT_EQ(now.at("agents").at("os").at("tvos").as_int64(), 1);
  // Names as sent, beside the lower-cased keys the contract fixes.
  EXPECT_EQ(d.at("agentNames").at("browsers").at("qqbrowser").as_string(), "QQBrowser");
  EXPECT_EQ(d.at("agentNames").at("os").at("tvos").as_string(), "tvOS");
  EXPECT_EQ(d.at("agentNames").at("devices").at("smart tv").as_string(), "Smart TV");
  EXPECT_EQ(d.at("agentNames").at("browsers").at("unknown").as_string(), "unknown");
  EXPECT_EQ(d.at("windows").at("activeMs").as_int64(), 400);
  EXPECT_EQ(d.at("windows").at("retentionMs").as_int64(), 3'600'000);
  // n of N: one of the two players reported rebuffering.
  const auto& reporting = d.at("quality").at("reporting").as_object();
  EXPECT_EQ(reporting.at("players").as_int64(), 2);
  EXPECT_EQ(reporting.at("rebuffering").as_int64(), 1);
  EXPECT_EQ(reporting.at("startup").as_int64(), 0);
  EXPECT_EQ(reporting.at("bitrate").as_int64(), 2);

  std::this_thread::sleep_for(700ms);  // past the active window: nobody is watching
  d = dashboard(port);
  EXPECT_EQ(d.at("players").at("active").as_int64(), 0);
  EXPECT_EQ(d.at("now").at("players").as_int64(), 0);
  EXPECT_TRUE(d.at("now").at("bitrates").at("max").is_null());
  EXPECT_TRUE(d.at("now").at("agents").at("browsers").as_object().empty());
  EXPECT_TRUE(d.at("now").at("agents").at("os").as_object().empty());
  // ...while the retention still holds last hour's players.
  EXPECT_EQ(d.at("players").at("total").as_int64(), 2);
  EXPECT_EQ(d.at("agents").at("browsers").at("qqbrowser").as_int64(), 1);
  EXPECT_EQ(d.at("bitrates").at("max").to_number<double>(), 25000);
}

TEST(DashboardNow, TheStreamDashboardHasTheSameShape) {
  TestServer server;
  ASSERT_EQ(send_webhook(server.port(), R"({"playerId":"p1","bitrate":1200,"playTime":3,
      "agent":{"browser":"Samsung Internet","os":"Android","device":"Mobile"}})")
                .status,
            204u);
  const auto r = http_get(server.port(), "/api/dashboard?stream=main");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto d = json::parse(r.body).as_object();
  EXPECT_EQ(d.at("now").at("players").as_int64(), 1);
  EXPECT_EQ(d.at("agentNames").at("browsers").at("samsung internet").as_string(),
            "Samsung Internet");
  EXPECT_TRUE(d.at("quality").at("reporting").is_object());
}
