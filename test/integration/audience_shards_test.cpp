// The audience sharded over four loops (service/audience.hpp): players published from several
// connections on every loop land on their shards, and what spans the shards (the dashboard, the
// count on viewerCount, /metrics, a restart's restore) adds up exactly.
#include "reliability_support.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;
namespace bh = boost::beast::http;
using namespace std::chrono_literals;

namespace {

config::Config four_loops() {
  auto c = test_config();
  c.threads = 4;
  c.tokens_per_address_per_minute = 0;
  return c;
}

std::string heartbeat(const std::string& id, int i) {
  return json::serialize(json::object{
      {"playerId", id},
      {"bitrate", 1000 + 10 * (i % 50)},
      {"playTime", i},
      {"agent",
       {{"os", "Linux"}, {"browser", i % 2 ? "Firefox" : "Chrome"}, {"device", "Desktop"}}}});
}

// `players` views, each with its own token, published from `senders` keep-alive connections
// (spread over the loops). Returns how many publishes were answered 204.
int publish_views(unsigned short port, int players, int senders) {
  std::atomic<int> ok = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < senders; ++t) {
    threads.emplace_back([&, t] {
      KeepAliveClient client(port);
      for (int i = t; i < players; i += senders) {
        const auto view = viewer_config(port);
        const auto r =
            client.request(bh::verb::post, "/topics/video/stream", heartbeat(view.player_id, i),
                           {{"authorization", view.token}});
        if (r.status == 204) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  return ok;
}

json::value dashboard(unsigned short port) {
  return json::parse(http_get(port, "/api/dashboard").body);
}

// The latest count on viewerCount (a new subscriber gets the latest retained message).
std::string latest_count(unsigned short port) {
  const auto r = http_get(port, "/topics/video/viewerCount?sequence_number=0",
                          {{"authorization", "Bearer test-admin"}});
  const auto items = json::parse(r.body).at("items").as_array();
  if (items.empty()) return {};
  return std::string(items.back().at("item").at("value").at("text").as_string());
}

}  // namespace

TEST(AudienceShards, PlayersOnEveryLoopAddUpExactly) {
  TestServer server(four_loops());
  const auto port = server.port();
  ASSERT_EQ(publish_views(port, 400, 8), 400);
  const auto d = dashboard(port);
  EXPECT_EQ(d.at("players"), json::parse(R"({"active":400,"total":400})"));
  EXPECT_EQ(d.at("agents").at("browsers"), json::parse(R"({"chrome":200,"firefox":200})"));
  EXPECT_EQ(metric(port, "streampulse_players_tracked"), 400);
  EXPECT_EQ(metric(port, "streampulse_player_bindings"), 400);
  // The count publisher sums the shards: the published count is the audience.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (latest_count(port) != "400" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(latest_count(port), "400");
}

TEST(AudienceShards, ACapSharedByTheShardsHoldsExactly) {
  auto config = four_loops();
  config.max_players = 100;
  TestServer server(config);
  const auto port = server.port();
  // 150 new players, all active: exactly 100 are admitted whatever their shards.
  EXPECT_EQ(publish_views(port, 150, 6), 100);
  EXPECT_EQ(dashboard(port).at("players").at("total"), 100);
  EXPECT_EQ(metric(port, "streampulse_refusals_total{reason=\"too_many_players\"}"), 50);
}

TEST(AudienceShards, ARestartRestoresEveryShard) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("streampulse-shards-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto config = four_loops();
  config.data_dir = dir.string();
  {
    TestServer server(config);
    ASSERT_EQ(publish_views(server.port(), 300, 6), 300);
  }                    // a graceful stop: the snapshot of every shard
  config.threads = 3;  // another number of loops: every player goes to its new shard
  TestServer again(config);
  EXPECT_EQ(dashboard(again.port()).at("players").at("total"), 300);
  EXPECT_EQ(metric(again.port(), "streampulse_players_tracked"), 300);
  std::filesystem::remove_all(dir);
}
