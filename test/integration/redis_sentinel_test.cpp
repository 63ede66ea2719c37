// The real streampulse binary behind Redis Sentinel (a primary, two replicas, one Sentinel, all
// real redis-server processes on loopback TCP): it follows a SENTINEL FAILOVER and then the
// SIGKILL of the new primary. And behind a two-node Redis Cluster: pointed at the node that does
// not hold its slot, it follows MOVED to the one that does.
#include "redis_instances.hpp"
#include "redis_server.hpp"
#include "reliability_support.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

namespace streampulse::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// One streampulse process on the Redis backend at `url` (a Sentinel's, a Cluster node's;
// redis_instances.hpp's Instance takes a RedisServer's Unix socket).
struct InstanceAt {
  explicit InstanceAt(const std::string& url) : port(free_port()) {
    process = std::make_unique<ChildProcess>(
        STREAMPULSE_BINARY,
        std::vector<std::string>{"serve", "--listen", "127.0.0.1:" + std::to_string(port),
                                 "--backend", "redis", "--redis-url", url, "--threads", "1",
                                 "--log-level", "info"},
        std::map<std::string, std::string>{{"STREAMPULSE_ADMIN_TOKEN", "test-admin"}});
  }
  bool ready() {
    return wait_healthy(port, 15s) &&
           eventually([&] { return http_get(port, "/readyz").status == 200u; }, 10s);
  }
  json::value players() { return json::parse(http_get(port, "/api/dashboard").body).at("players"); }

  unsigned short port;
  std::unique_ptr<ChildProcess> process;
};

// `n` viewers, each configured by and heartbeating through `port` (for Audience).
std::vector<Viewer> viewers_at(unsigned short port, int n) {
  std::vector<Viewer> viewers;
  for (int i = 0; i < n; ++i) viewers.push_back({viewer_config(port), port});
  return viewers;
}

// The service's connections (CLIENT SETNAME streampulse) on `server`.
std::size_t service_connections(const RedisServer& server) {
  return occurrences(server.cli({"CLIENT", "LIST"}), "name=streampulse ");
}

RedisServerOptions replica_of(const RedisServer& primary) {
  RedisServerOptions o;
  o.tcp = true;
  o.extra_args = {"--replicaof", "127.0.0.1", std::to_string(primary.tcp_port())};
  return o;
}

TEST(RedisSentinel, TheServiceFollowsAFailoverThenAKilledPrimary) {
  REQUIRE_REDIS();
  RedisServerOptions tcp;
  tcp.tcp = true;
  RedisServer first(tcp);
  ASSERT_TRUE(first.ready());
  RedisServer second(replica_of(first));
  RedisServer third(replica_of(first));
  ASSERT_TRUE(second.ready() && third.ready());
  ASSERT_TRUE(eventually(
      [&] {
        return first.cli({"INFO", "replication"}).find("connected_slaves:2") != std::string::npos;
      },
      5s));
  RedisSentinel sentinel("sp", first.tcp_port());
  ASSERT_TRUE(sentinel.ready());
  ASSERT_TRUE(eventually(
      [&] {
        const auto replicas = sentinel.cli({"SENTINEL", "REPLICAS", "sp"});
        return replicas.find(std::to_string(second.tcp_port())) != std::string::npos &&
               replicas.find(std::to_string(third.tcp_port())) != std::string::npos;
      },
      5s))
      << sentinel.log();
  const std::vector<RedisServer*> servers{&first, &second, &third};
  auto server_at = [&](std::uint16_t port) -> RedisServer* {
    for (auto* s : servers) {
      if (s->tcp_port() == port) return s;
    }
    return nullptr;
  };

  InstanceAt in("redis+sentinel://127.0.0.1:" + std::to_string(sentinel.port()) + "/sp");
  ASSERT_TRUE(in.ready()) << in.process->output();
  EXPECT_EQ(service_connections(first), 2u);  // the commands' and the mirror's
  constexpr int kViewers = 10;
  auto viewers = viewers_at(in.port, kViewers);
  Audience audience(viewers);
  const auto all = json::parse(R"({"active":10,"total":10})");
  ASSERT_TRUE(eventually([&] { return in.players() == all; }, 10s)) << in.players();

  // The service is on `to` (both connections, none left on `from`), ready, and counts right;
  // written there: the heartbeats' latest times move on in `to`'s sorted set.
  auto follows = [&](RedisServer& from, RedisServer& to, bool from_alive) {
    return service_connections(to) == 2u && (!from_alive || service_connections(from) == 0u) &&
           http_get(in.port, "/readyz").status == 200u && in.players() == all &&
           to.cli({"ZCARD", "{video}:z:activePlayers"}) == std::to_string(kViewers) + "\n";
  };
  auto latest_heartbeat = [&](RedisServer& s) {
    const auto out = s.cli({"ZRANGE", "{video}:z:activePlayers", "-1", "-1", "WITHSCORES"});
    const auto newline = out.find('\n');
    return newline == std::string::npos ? 0.0 : std::atof(out.c_str() + newline + 1);
  };

  // 1. SENTINEL FAILOVER: a replica promoted; the old primary stays up (Sentinel demotes it
  //    about 10 s later), so the service must leave it on the Sentinel's word.
  const int failures_before = audience.failures;
  auto started = Clock::now();
  ASSERT_EQ(sentinel.cli({"SENTINEL", "FAILOVER", "sp"}), "OK\n");
  ASSERT_TRUE(eventually([&] { return sentinel.primary_port() != first.tcp_port(); }, 10s));
  const auto reported = ms_since(started);
  RedisServer* promoted = server_at(sentinel.primary_port());
  ASSERT_NE(promoted, nullptr);
  ASSERT_TRUE(eventually([&] { return follows(first, *promoted, true); }, 10s))
      << in.process->output();
  const auto followed = ms_since(started);
  const double written_at = latest_heartbeat(*promoted);
  EXPECT_TRUE(eventually([&] { return latest_heartbeat(*promoted) > written_at; }, 3s));
  std::printf(
      "SENTINEL FAILOVER: Sentinel named the new primary after %lld ms, the service followed "
      "(connections moved, /readyz 200, count right) after %lld ms; heartbeats refused: %d\n",
      reported, followed, audience.failures - failures_before);
  EXPECT_LT(followed, 10000);

  // 2. SIGKILL of the new primary: Sentinel sees it down after 1 s, promotes the other
  //    replica; the service reconnects there through the Sentinel.
  const int failures_mid = audience.failures;
  started = Clock::now();
  promoted->kill9();
  ASSERT_TRUE(eventually(
      [&] {
        const auto p = sentinel.primary_port();
        return p != 0 && p != promoted->tcp_port();
      },
      15s))
      << sentinel.log();
  const auto reported2 = ms_since(started);
  RedisServer* next = server_at(sentinel.primary_port());
  ASSERT_NE(next, nullptr);
  ASSERT_TRUE(eventually([&] { return follows(*promoted, *next, false); }, 10s))
      << in.process->output();
  const auto followed2 = ms_since(started);
  std::printf(
      "primary SIGKILLed: Sentinel named the new primary after %lld ms, the service followed "
      "after %lld ms; heartbeats refused: %d\n",
      reported2, followed2, audience.failures - failures_mid);
  EXPECT_LT(followed2, 12000);
  // The viewer count, published through the new primary, is right.
  const auto watcher = viewer_config(in.port);
  EXPECT_TRUE(eventually(
      [&] {
        const auto r =
            http_get(in.port, "/topics/video/viewerCount", {{"authorization", watcher.token}});
        return r.status == 200u &&
               r.body.find(R"("text":")" + std::to_string(kViewers) + "\"") != std::string::npos;
      },
      5s));
  const auto log = in.process->output();
  EXPECT_GE(occurrences(log, "names 127.0.0.1:"), 2u) << log;
}

TEST(RedisCluster, TheServiceFollowsMovedToTheNodeOfItsSlot) {
  REQUIRE_REDIS();
  auto node = [] {
    RedisServerOptions o;
    o.tcp = true;
    o.extra_args = {"--cluster-enabled",     "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-port",        std::to_string(free_port())};
    return o;
  };
  RedisServer holder(node());  // holds the slot of {video}
  RedisServer other(node());   // every other slot; the service is pointed here
  ASSERT_TRUE(holder.ready() && other.ready());
  const int slot = std::atoi(other.cli({"CLUSTER", "KEYSLOT", "{video}"}).c_str());
  std::vector<std::string> ranges{"CLUSTER", "ADDSLOTSRANGE"};
  if (slot > 0) ranges.insert(ranges.end(), {"0", std::to_string(slot - 1)});
  if (slot < 16383) ranges.insert(ranges.end(), {std::to_string(slot + 1), "16383"});
  ASSERT_EQ(other.cli(ranges), "OK\n");
  ASSERT_EQ(holder.cli({"CLUSTER", "ADDSLOTS", std::to_string(slot)}), "OK\n");
  const auto bus = holder.cli({"CONFIG", "GET", "cluster-port"});
  const auto bus_port = bus.substr(bus.find('\n') + 1);
  ASSERT_EQ(other.cli({"CLUSTER", "MEET", "127.0.0.1", std::to_string(holder.tcp_port()),
                       bus_port.substr(0, bus_port.find('\n'))}),
            "OK\n");
  ASSERT_TRUE(eventually(
      [&] {
        return other.cli({"CLUSTER", "INFO"}).find("cluster_state:ok") != std::string::npos &&
               holder.cli({"CLUSTER", "INFO"}).find("cluster_state:ok") != std::string::npos;
      },
      10s));

  const auto started = Clock::now();
  InstanceAt in(other.tcp_url());
  ASSERT_TRUE(in.ready()) << in.process->output();
  constexpr int kViewers = 5;
  auto viewers = viewers_at(in.port, kViewers);
  Audience audience(viewers);
  ASSERT_TRUE(eventually([&] { return in.players().at("active") == kViewers; }, 10s))
      << in.players() << in.process->output();
  EXPECT_EQ(holder.cli({"ZCARD", "{video}:z:activePlayers"}), std::to_string(kViewers) + "\n");
  // Both connections (the mirror's at its first XREAD) on the node of the slot.
  EXPECT_TRUE(eventually(
      [&] { return service_connections(holder) == 2u && service_connections(other) == 0u; }, 5s));
  std::printf(
      "pointed at the wrong Cluster node: counting right, both connections on the right node, "
      "%lld ms after the instance was started\n",
      ms_since(started));
  EXPECT_EQ(audience.failures, 0);
  EXPECT_GE(occurrences(in.process->output(), "MOVED"), 1u);
}

}  // namespace
}  // namespace streampulse::testing
