// Bounded by design (issue 13): what clients send cannot grow what the service holds past a
// documented cap; past it the rule (evict or refuse) applies and /metrics counts it.
#include "backends.hpp"
#include "reliability_support.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <future>
#include <thread>

#include <unistd.h>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

class Bounds : public ::testing::TestWithParam<Backend> {};

std::string heartbeat(const std::string& id, const std::string& browser = "Firefox") {
  return R"({"playerId":")" + id +
         R"(","bitrate":800,"playTime":3,"agent":{"os":"Linux",)"
         R"("browser":")" +
         browser + R"(","device":"Desktop"}})";
}

json::value dashboard(unsigned short port) {
  return json::parse(http_get(port, "/api/dashboard").body);
}

struct Sent {
  int accepted = 0, too_many = 0, other = 0;
};

// Sends one webhook per id from `threads` threads; counts the answers.
Sent send_all(unsigned short port, const std::string& prefix, int from, int to, int threads = 4) {
  std::atomic<int> next{from}, accepted{0}, too_many{0}, other{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < to; i = next++) {
        const auto r = send_webhook(port, heartbeat(prefix + std::to_string(i)));
        if (r.status == 204) {
          ++accepted;
        } else if (r.status == 429 && json::parse(r.body).at("error") == "too_many_players") {
          ++too_many;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return {accepted.load(), too_many.load(), other.load()};
}

double refusals(unsigned short port, const std::string& reason) {
  return metric(port, "streampulse_refusals_total{reason=\"" + reason + "\"}");
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, Bounds, ::testing::ValuesIn(all_backends()), backend_name);

TEST_P(Bounds, PlayersPastTheCapEvictTheInactiveThenNewOnesAreRefused) {
  constexpr std::int64_t kWindowMs = 8000;
  ServiceOn service(GetParam(), [](config::Config& c) {
    c.max_players = 1000;
    c.active_window_ms = kWindowMs;
  });
  const auto port = service.port();
  EXPECT_EQ(metric(port, "streampulse_players_max"), 1000);

  // 1,000 players fill the cap; all of them active.
  const auto filled = std::chrono::steady_clock::now();
  const auto first = send_all(port, "old-", 0, 1000);
  EXPECT_EQ(first.accepted, 1000);
  ASSERT_LT(std::chrono::steady_clock::now() - filled, std::chrono::milliseconds(kWindowMs - 2000))
      << "too slow for the test's active window";
  // A new player now is refused, changes nothing; a tracked one is still recorded.
  const auto refused = send_webhook(port, heartbeat("newcomer"));
  EXPECT_EQ(refused.status, 429u);
  EXPECT_EQ(json::parse(refused.body).at("error"), "too_many_players") << refused.body;
  EXPECT_FALSE(json::parse(refused.body).at("message").as_string().empty());
  EXPECT_EQ(send_webhook(port, heartbeat("old-5", "Safari")).status, 204u);
  auto d = dashboard(port);
  EXPECT_EQ(d.at("players"), json::parse(R"({"active":1000,"total":1000})"));
  EXPECT_EQ(d.at("agents").at("browsers"), json::parse(R"({"firefox":999,"safari":1})"));
  EXPECT_EQ(metric(port, "streampulse_players_tracked"), 1000);
  EXPECT_EQ(refusals(port, "too_many_players"), 1);
  EXPECT_EQ(metric(port, "streampulse_players_evicted_total"), 0);

  // Once they fall silent past the active window, 4,000 new players: the first 1,000 take the
  // places of the inactive, the next 3,000 find every tracked player active and are refused.
  std::this_thread::sleep_for(std::chrono::milliseconds(kWindowMs + 300));
  const auto second_started = std::chrono::steady_clock::now();
  const auto second = send_all(port, "new-", 0, 4000);
  const bool in_one_window = std::chrono::steady_clock::now() - second_started <
                             std::chrono::milliseconds(kWindowMs - 500);
  EXPECT_EQ(second.other, 0);
  EXPECT_EQ(second.accepted + second.too_many, 4000);
  d = dashboard(port);
  EXPECT_EQ(d.at("players").at("total"), 1000);
  EXPECT_EQ(metric(port, "streampulse_players_tracked"), 1000);
  // Every accepted newcomer took an inactive player's place; every other one was refused.
  EXPECT_EQ(metric(port, "streampulse_players_evicted_total"), second.accepted);
  EXPECT_EQ(refusals(port, "too_many_players"), second.too_many + 1);
  EXPECT_EQ(metric(port, "streampulse_heartbeats_refused_total{reason=\"too_many_players\"}"),
            second.too_many + 1);
  EXPECT_EQ(d.at("agents").at("browsers").at("firefox"), 1000);  // the Safari player was evicted
  if (in_one_window) {
    // Sent within one active window, none of the newcomers went silent meanwhile: the first
    // 1,000 took the places of the inactive, the next 3,000 found every tracked player active.
    EXPECT_EQ(second.accepted, 1000);
    EXPECT_EQ(second.too_many, 3000);
    EXPECT_EQ(d.at("players"), json::parse(R"({"active":1000,"total":1000})"));
  } else {
    // A slow build (the sanitizers): newcomers that fell silent during the send made room for
    // later ones, so more were accepted; the cap still held.
    EXPECT_GE(second.accepted, 1000);
  }
}

TEST_P(Bounds, AThousandMadeUpBrowserNamesThenARealNewBrowserShowsByItsName) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(send_webhook(port, heartbeat("flood", "made-up-" + std::to_string(i))).status, 204u);
  ASSERT_EQ(send_webhook(port, heartbeat("real", "Vivaldi")).status, 204u);
  const auto browsers = dashboard(port).at("agents").at("browsers");
  EXPECT_EQ(browsers, json::parse(R"({"made-up-999":1,"vivaldi":1})"));
  EXPECT_EQ(metric(port, "streampulse_agent_names{distribution=\"browser\"}"), 2);
  EXPECT_EQ(metric(port, "streampulse_agent_names_folded_total{distribution=\"browser\"}"), 0);
  EXPECT_EQ(metric(port, "streampulse_agent_names_max"), 1000);
}

TEST_P(Bounds, NineDashboardStreamsFromOneClientThe9thIs429) {
  ServiceOn service(GetParam(), [](config::Config& c) { c.trusted_proxies = {"127.0.0.1"}; });
  const auto port = service.port();
  boost::asio::io_context ioc;
  auto open_stream = [&](const std::string& client) {
    auto s = connect_raw(ioc, port);
    send_now(s, "GET /api/dashboard/stream HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: " + client +
                    "\r\n\r\n");
    return s;
  };
  std::vector<boost::asio::ip::tcp::socket> open;
  for (int i = 0; i < 8; ++i) {
    open.push_back(open_stream("10.0.0.1"));
    const auto head = read_until_closed(open.back(), 300ms);
    ASSERT_NE(head.bytes.find(" 200 "), std::string::npos) << head.bytes;
  }
  const auto ninth = http_get(port, "/api/dashboard/stream", {{"x-forwarded-for", "10.0.0.1"}});
  EXPECT_EQ(ninth.status, 429u);
  EXPECT_EQ(json::parse(ninth.body).at("error"), "dashboard_streams_per_client") << ninth.body;
  EXPECT_EQ(ninth.headers.at("retry-after"), "5");
  EXPECT_EQ(ninth.headers.at("content-type"), "application/json");
  // Another client still gets its stream.
  auto other = open_stream("10.0.0.2");
  EXPECT_NE(read_until_closed(other, 300ms).bytes.find(" 200 "), std::string::npos);
  EXPECT_EQ(refusals(port, "dashboard_streams_per_client"), 1);
  EXPECT_EQ(metric(port, "streampulse_dashboard_stream_clients"), 2);
  EXPECT_EQ(metric(port, "streampulse_dashboard_streams_per_client_max"), 8);
  EXPECT_EQ(metric(port, "streampulse_dashboard_streams_max"), 256);
  // A closed stream gives its slot back (once the service notices: its next write).
  open.pop_back();
  EXPECT_TRUE(eventually(
      [&] {
        auto again = open_stream("10.0.0.1");
        return read_until_closed(again, 300ms).bytes.find(" 200 ") != std::string::npos;
      },
      5000ms));
}

TEST(BoundsEmbedded, SixtyFiveLongPollsFromOneClientThe65thIs429AnotherClientIsServed) {
  auto config = test_config();
  config.heartbeat_intake =
      config::HeartbeatIntake::webhook;  // no long-poll of the service's own intake
  config.trusted_proxies = {"127.0.0.1"};
  config.long_poll_timeout_ms = 4000;
  TestServer server(config);
  const auto port = server.port();
  boost::asio::io_context ioc;
  auto poll = [&](const std::string& client) {
    auto s = connect_raw(ioc, port);
    send_now(s,
             "GET /topics/video/quiet HTTP/1.1\r\nHost: x\r\nAuthorization: test-admin\r\n"
             "Connection: close\r\n"
             "X-Forwarded-For: " +
                 client + "\r\n\r\n");
    return s;
  };
  std::vector<boost::asio::ip::tcp::socket> waiting;
  for (int i = 0; i < 64; ++i) waiting.push_back(poll("10.0.0.1"));
  ASSERT_TRUE(
      eventually([&] { return metric(port, "streampulse_long_polls_open") == 64; }, 3000ms));
  const auto t = std::chrono::steady_clock::now();
  const auto over = http_get(port, "/topics/video/quiet",
                             {{"authorization", "test-admin"}, {"x-forwarded-for", "10.0.0.1"}});
  EXPECT_LT(std::chrono::steady_clock::now() - t, 1000ms) << "not refused at once";
  EXPECT_EQ(over.status, 429u);
  EXPECT_EQ(json::parse(over.body).at("error"), "long_polls_per_client") << over.body;
  EXPECT_EQ(over.headers.at("retry-after"), "1");
  // Another client gets its slot: it waits, then answers with no items.
  const auto other = http_get(port, "/topics/video/quiet",
                              {{"authorization", "test-admin"}, {"x-forwarded-for", "10.0.0.2"}});
  EXPECT_EQ(other.status, 200u) << other.body;
  EXPECT_EQ(other.body, R"({"items":[]})");
  EXPECT_EQ(refusals(port, "long_polls_per_client"), 1);
  EXPECT_EQ(metric(port, "streampulse_long_polls_per_client_max"), 64);
  // Left at 0: sized from the open-file limit (app/capacity.hpp), half the connections.
  EXPECT_GT(metric(port, "streampulse_connections_max"), 64);
  EXPECT_EQ(metric(port, "streampulse_long_polls_max"),
            std::floor(metric(port, "streampulse_connections_max") / 2));
  // The 64 answer at their timeout and free their slots; the table forgets the client.
  for (auto& s : waiting)
    EXPECT_NE(read_until_closed(s, 6000ms).bytes.find(" 200 "), std::string::npos);
  EXPECT_TRUE(eventually([&] { return metric(port, "streampulse_long_poll_clients") == 0; }));
}

// A player publishing its heartbeat past the cap hears the refusal at once (429), and nothing
// is bound, published or recorded.
TEST(BoundsEmbedded, APublishOfANewPlayerPastTheCapIs429) {
  auto config = test_config();
  config.max_players = 3;
  config.active_window_ms = 20'000;  // the three stay active for the whole test
  TestServer server(config);
  const auto port = server.port();
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(send_webhook(port, heartbeat("held-" + std::to_string(i))).status, 204u);
  // The registry learns that every tracked player is active from a refused newcomer.
  ASSERT_EQ(send_webhook(port, heartbeat("webhook-newcomer")).status, 429u);
  const auto viewer = viewer_config(port);
  const auto published = http_post(port, "/topics/video/stream", heartbeat(viewer.player_id),
                                   {{"authorization", viewer.token}});
  EXPECT_EQ(published.status, 429u) << published.body;
  EXPECT_EQ(json::parse(published.body).at("error"), "too_many_players") << published.body;
  EXPECT_EQ(metric(port, "streampulse_players_tracked"), 3);
  EXPECT_EQ(metric(port, "streampulse_player_bindings"), 0);
  // A tracked player's heartbeat through the topic is still published.
  const auto token = viewer_config(port);
  EXPECT_EQ(
      http_post(port, "/topics/video/stream", heartbeat("held-1"), {{"authorization", token.token}})
          .status,
      204u);
}

TEST(BoundsEmbedded, ARestartUnderALowerCapKeepsTheMostRecentlySeenPlayers) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("streampulse-bounds-restart-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto config = test_config();
  config.data_dir = dir.string();
  config.max_players = 10;
  {
    TestServer server(config);
    for (int i = 0; i < 10; ++i) {
      const auto hb = R"({"playerId":"p)" + std::to_string(i) + R"(","bitrate":)" +
                      std::to_string(100 + i) + R"(,"playTime":1})";
      ASSERT_EQ(send_webhook(server.port(), hb).status, 204u);
      std::this_thread::sleep_for(5ms);  // each its own last-seen millisecond
    }
  }  // a graceful stop: the snapshot holds all ten
  config.max_players = 4;
  {
    TestServer server(config);
    const auto d = dashboard(server.port());
    EXPECT_EQ(d.at("players").at("total").as_int64(), 4);
    EXPECT_EQ(d.at("bitrates").at("min").to_number<double>(), 106);  // p6..p9, the newest
    EXPECT_EQ(d.at("bitrates").at("max").to_number<double>(), 109);
  }
  config.max_players = 10;  // the fresh snapshot written at that restore left the others out
  {
    TestServer server(config);
    EXPECT_EQ(dashboard(server.port()).at("players").at("total").as_int64(), 4);
  }
  std::filesystem::remove_all(dir);
}
