// Redis failing under a real streampulse process with an audience (issue 16): full (-OOM under
// noeviction), its script cache flushed mid-run, and the start-up warning of an eviction policy
// that would drop the audience's keys. Redis down under load: redis_faults_test.cpp.
// docs/redis.md, "Faults".
#include "redis_instances.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cstdio>
#include <memory>
#include <thread>

namespace streampulse::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(RedisFaults, OutOfMemoryUnderNoevictionRefusesWritesWith503KeepsReadsAndRecovers) {
  REQUIRE_REDIS();
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  EXPECT_EQ(redis.cli({"CONFIG", "SET", "maxmemory-policy", "noeviction"}), "OK\n");
  Instance in(redis, "info", {"--tokens-per-address-per-minute", "0"});
  ASSERT_TRUE(in.ready()) << in.process->output();
  EXPECT_EQ(occurrences(in.process->output(), "not noeviction"), 0u);
  std::vector<Viewer> viewers;
  for (int i = 0; i < 50; ++i) viewers.push_back({viewer_config(in.port), in.port});
  auto audience = std::make_unique<Audience>(viewers, 2, true);
  const auto all = json::parse(R"({"active":50,"total":50})");
  ASSERT_TRUE(eventually([&] { return in.players() == all; }, 10s)) << in.players();
  const auto watcher = viewer_config(in.port);
  ASSERT_TRUE(eventually([&] { return latest_count(in.port, watcher.token) == "50"; }, 5s));
  const auto log_before = in.process->output();

  // Full: Redis refuses every write (-OOM), evicts nothing.
  EXPECT_EQ(redis.cli({"CONFIG", "SET", "maxmemory", "100kb"}), "OK\n");
  const auto full = Clock::now();
  std::this_thread::sleep_for(3s);
  // A heartbeat: a clear 503 with a JSON error and Retry-After, at once (not the budget).
  const auto t = Clock::now();
  const auto refused = viewers[0].publish_result(1000);
  EXPECT_LT(Clock::now() - t, 500ms);
  EXPECT_EQ(refused.status, 503u) << refused.body;
  EXPECT_EQ(error_code(refused.body), "backend_full") << refused.body;
  EXPECT_EQ(refused.headers.count("retry-after"), 1u);
  // Reads go on: the dashboard, the count long-poll, /readyz (Redis answers PING), /healthz.
  const auto dashboard = http_get(in.port, "/api/dashboard");
  EXPECT_EQ(dashboard.status, 200u) << dashboard.body;
  EXPECT_EQ(json::parse(dashboard.body).at("players").at("total"), 50);
  EXPECT_EQ(latest_count(in.port, watcher.token), "50");
  EXPECT_EQ(http_get(in.port, "/readyz").status, 200u);
  EXPECT_EQ(http_get(in.port, "/healthz").status, 200u);
  EXPECT_GT(metric(in.port, "streampulse_redis_oom_total"), 0.0);

  // Recovered unaided once Redis has room again.
  EXPECT_EQ(redis.cli({"CONFIG", "SET", "maxmemory", "0"}), "OK\n");
  const auto room = Clock::now();
  EXPECT_TRUE(eventually([&] { return viewers[0].publish(1001) == 204u; }, 5s));
  const auto writes_after = ms_since(room);
  EXPECT_TRUE(eventually([&] { return in.players() == all; }, 5s)) << in.players();
  std::this_thread::sleep_for(1500ms);  // every viewer's next heartbeat accepted
  const auto steady = Clock::now();
  std::this_thread::sleep_for(1500ms);
  const auto publishes = audience->samples();
  audience.reset();

  std::size_t during = 0, after = 0;
  for (const auto& s : publishes) {
    if (s.sent > full + 200ms && s.sent < room) {
      ++during;
      EXPECT_EQ(s.status, 503u) << s.body;
      EXPECT_EQ(error_code(s.body), "backend_full") << s.body;
      EXPECT_LT(s.took, 500ms);
    }
    if (s.sent > steady) {
      ++after;
      EXPECT_EQ(s.status, 204u) << s.body;
    }
  }
  EXPECT_GT(during, 100u);
  EXPECT_GT(after, 50u);
  std::printf(
      "Redis full: %zu heartbeats refused 503 backend_full; writes accepted again %lld ms after "
      "maxmemory was lifted\n",
      during, static_cast<long long>(writes_after));
  // Logged once when it began and once when it ended, not per refusal.
  const auto log = in.process->output().substr(log_before.size());
  EXPECT_EQ(occurrences(log, "redis refuses writes"), 1u) << log;
  EXPECT_EQ(occurrences(log, "redis accepts writes again"), 1u) << log;
  EXPECT_EQ(occurrences(log, "heartbeat of"), 0u) << log;
  EXPECT_LE(occurrences(log, "publishing the viewer count failed"), 1u) << log;
  EXPECT_LT(loud_lines(log), 6u) << log;
}

TEST(RedisFaults, ScriptCacheFlushedMidRunFailsNoPublish) {
  REQUIRE_REDIS();
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  Instance in(redis, "info", {"--tokens-per-address-per-minute", "0"});
  ASSERT_TRUE(in.ready()) << in.process->output();
  std::vector<Viewer> viewers;
  for (int i = 0; i < 40; ++i) viewers.push_back({viewer_config(in.port), in.port});
  Audience audience(viewers, 2);
  const auto all = json::parse(R"({"active":40,"total":40})");
  ASSERT_TRUE(eventually([&] { return in.players() == all; }, 10s)) << in.players();
  const auto log_before = in.process->output();
  // The publish and lease scripts lost while heartbeats and counts are in flight: each
  // EVALSHA answered NOSCRIPT is sent again as EVAL, so no publish fails.
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(redis.cli({"SCRIPT", "FLUSH"}), "OK\n");
    std::this_thread::sleep_for(250ms);
  }
  audience.add({viewer_config(in.port), in.port});
  const auto watcher = viewer_config(in.port);
  EXPECT_TRUE(eventually([&] { return latest_count(in.port, watcher.token) == "41"; }, 5s));
  EXPECT_EQ(audience.failures, 0);
  const auto log = in.process->output().substr(log_before.size());
  EXPECT_EQ(loud_lines(log), 0u) << log;
}

TEST(RedisFaults, AnEvictionPolicyOtherThanNoevictionIsWarnedOfAtStart) {
  REQUIRE_REDIS();
  RedisServerOptions lru;
  lru.extra_args = {"--maxmemory-policy", "volatile-lru"};
  RedisServer redis(lru);
  ASSERT_TRUE(redis.ready());
  Instance in(redis, "info");
  ASSERT_TRUE(in.ready()) << in.process->output();
  EXPECT_EQ(occurrences(in.process->output(), "maxmemory-policy is volatile-lru, not noeviction"),
            1u)
      << in.process->output();
}

}  // namespace
}  // namespace streampulse::testing
