// Several real streampulse processes on one real redis-server: one audience whichever instance a
// viewer reaches, a long-poll that moves between instances, the count duty passed on when its
// holder dies, and Redis itself going away and coming back.
#include "redis_instances.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>
#include <thread>

namespace streampulse::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(RedisInstances, ThreeInstancesShareOneAudienceAndPassTheCountDutyOn) {
  REQUIRE_REDIS();
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::vector<std::unique_ptr<Instance>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(std::make_unique<Instance>(redis));
  for (auto& in : instances) ASSERT_TRUE(in->ready()) << in->process->output();

  // 30 viewers: each configured by one instance and publishing through the next (a token from
  // one instance is accepted by the others).
  std::vector<Viewer> viewers;
  for (int i = 0; i < 30; ++i) {
    viewers.push_back({viewer_config(instances[i % 3]->port), instances[(i + 1) % 3]->port});
  }
  Audience audience(viewers);
  const auto thirty = json::parse(R"({"active":30,"total":30})");
  for (auto& in : instances) {
    EXPECT_TRUE(eventually([&] { return in->players() == thirty; }, 10s)) << in->players();
  }
  EXPECT_EQ(audience.failures, 0);
  // One instance holds the count duty.
  ASSERT_TRUE(eventually([&] {
    int holders = 0;
    for (auto& in : instances) holders += in->publisher() ? 1 : 0;
    return holders == 1;
  }));

  // A viewer's long-poll of the count, moved from instance to instance: every count once, in
  // order, no gap, no repeat.
  const auto watcher = viewer_config(instances[0]->port);
  Poll p = poll_count(instances[0]->port, watcher.token, 0, 0);
  ASSERT_EQ(p.values.size(), 1u);  // a new subscriber: the latest count
  std::vector<std::uint64_t> seen = p.numbers;
  // Follows the count at `port` from where the last poll left off until it reads `expected`:
  // every number once, in order.
  auto follow = [&](unsigned short port, const std::string& expected, int polls = 20) {
    if (p.values.back() == expected) return true;
    for (int tries = 0; tries < polls; ++tries) {
      Poll q = poll_count(port, watcher.token, p.next, p.page);
      EXPECT_FALSE(q.discontinuity) << "at " << p.next;
      for (std::size_t k = 0; k < q.numbers.size(); ++k) {
        EXPECT_EQ(q.numbers[k], seen.back() + 1) << "gap or repeat";
        seen.push_back(q.numbers[k]);
      }
      if (q.numbers.empty()) continue;
      p = q;
      if (p.values.back() == expected) return true;
    }
    return false;
  };
  ASSERT_TRUE(follow(instances[0]->port, "30")) << p.values.back();
  for (int step = 0; step < 3; ++step) {
    // Five more viewers: the count changes; the next polls go to another instance, from where
    // the last one left off.
    for (int i = 0; i < 5; ++i) {
      audience.add({viewer_config(instances[step]->port), instances[(step + 2) % 3]->port});
    }
    const std::string expected = std::to_string(35 + 5 * step);
    EXPECT_TRUE(follow(instances[(step + 1) % 3]->port, expected))
        << "count " << expected << " never arrived at step " << step;
  }
  for (auto& in : instances) {
    EXPECT_TRUE(eventually([&] { return in->players().at("active") == 45; }, 5s));
  }

  // The holder of the count duty dies: another takes it within about 3 s, and the count goes on.
  std::size_t holder = 0;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    if (instances[i]->publisher()) holder = i;
  }
  const auto killed_at = Clock::now();
  kill(instances[holder]->process->pid(), SIGKILL);
  std::vector<std::unique_ptr<Instance>> alive;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    if (i != holder) alive.push_back(std::move(instances[i]));
  }
  ASSERT_TRUE(eventually([&] { return alive[0]->publisher() || alive[1]->publisher(); }, 6s));
  const auto takeover =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed_at);
  EXPECT_LT(takeover, 4000ms);
  std::printf("count duty taken over %lld ms after its holder was killed\n",
              static_cast<long long>(takeover.count()));
  // The viewers that published through the dead instance now fail; the rest still count, and
  // a join is published by the new holder.
  audience.add({viewer_config(alive[0]->port), alive[1]->port});
  // (The count itself drops by the viewers publishing through the dead instance: 46 less
  // them. Whatever it is, it is published by the new holder and arrives in order.)
  const auto before = seen.size();
  follow(alive[1]->port, "", 1);  // one long-poll: it answers with the next count
  EXPECT_GT(seen.size(), before) << "no count published after the takeover";
}

TEST(RedisInstances, RedisDownThenBackIsUnreadyThenReadyUnaidedAndCountsRightAgain) {
  REQUIRE_REDIS();
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  Instance in(redis, "info");
  ASSERT_TRUE(in.ready()) << in.process->output();
  std::vector<Viewer> viewers;
  for (int i = 0; i < 20; ++i) viewers.push_back({viewer_config(in.port), in.port});
  Audience audience(viewers);
  const auto twenty = json::parse(R"({"active":20,"total":20})");
  ASSERT_TRUE(eventually([&] { return in.players() == twenty; }, 10s)) << in.players();
  const auto rss_before = vm_rss_kib(in.process->pid());
  const auto fds_before = open_fds(in.process->pid());

  // Redis gone (no persistence: it comes back empty).
  redis.kill9();
  EXPECT_TRUE(eventually([&] { return http_get(in.port, "/readyz").status == 503u; }, 5s));
  EXPECT_EQ(http_get(in.port, "/healthz").status, 200u);
  std::this_thread::sleep_for(3s);
  // Every request is still answered within its budget (no hang), with a JSON error.
  const auto t = Clock::now();
  const auto refused =
      http_post(in.port, "/topics/video/stream", hb(viewers[0].config.player_id, 1),
                {{"authorization", viewers[0].config.token}});
  EXPECT_LT(Clock::now() - t, 2500ms);
  EXPECT_GE(refused.status, 500u) << refused.body;
  ASSERT_TRUE(redis.restart());
  const auto back = Clock::now();
  EXPECT_TRUE(eventually([&] { return http_get(in.port, "/readyz").status == 200u; }, 10s));
  std::printf(
      "ready again %lld ms after Redis came back\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - back).count()));
  // The players are written again by their next heartbeats: the count is right within seconds.
  EXPECT_TRUE(eventually([&] { return in.players().at("active") == 20; }, 8s)) << in.players();
  const auto watcher = viewer_config(in.port);
  EXPECT_TRUE(eventually(
      [&] {
        Poll p = poll_count(in.port, watcher.token, 0, 0);
        return !p.values.empty() && p.values.back() == "20";
      },
      8s));
  // Bounded: no leak of memory or descriptors through the outage; the loss logged once.
  EXPECT_LT(vm_rss_kib(in.process->pid()), rss_before + 20 * 1024);
  EXPECT_LE(open_fds(in.process->pid()), fds_before + 4);
  const auto log = in.process->output();
  EXPECT_LE(occurrences(log, "connection lost"), 4u)
      << log;  // once per connection (commands, mirror), not per request
}

TEST(RedisInstances, RedisRestartedWithItsDataOrPausedLosesNothingAViewerSees) {
  REQUIRE_REDIS();
  RedisServerOptions aof;
  aof.extra_args = {"--appendonly", "yes", "--appendfsync", "always"};
  RedisServer redis(aof);
  ASSERT_TRUE(redis.ready());
  Instance in(redis);
  ASSERT_TRUE(in.ready()) << in.process->output();
  std::vector<Viewer> viewers;
  for (int i = 0; i < 10; ++i) viewers.push_back({viewer_config(in.port), in.port});
  Audience audience(viewers);
  const auto watcher = viewer_config(in.port);
  Poll p;
  ASSERT_TRUE(eventually(
      [&] {
        p = poll_count(in.port, watcher.token, 0, 0);
        return !p.values.empty() && p.values.back() == "10";
      },
      10s));
  const auto page = p.page;

  // Paused for 2 s (CLIENT PAUSE: connections open, commands held): requests wait at most
  // their budget, nothing is lost, the count never moves.
  redis.cli({"CLIENT", "PAUSE", "2000", "ALL"});
  std::this_thread::sleep_for(2500ms);
  EXPECT_TRUE(eventually([&] { return http_get(in.port, "/readyz").status == 200u; }, 5s));
  EXPECT_TRUE(eventually([&] { return in.players().at("active") == 10; }, 5s)) << in.players();

  // Restarted with its data (AOF, fsync always): the topic keeps its page and numbers, so the
  // viewer's next poll resumes without a discontinuity, and the players are still there.
  ASSERT_TRUE(redis.restart());
  EXPECT_TRUE(eventually([&] { return http_get(in.port, "/readyz").status == 200u; }, 10s));
  audience.add({viewer_config(in.port), in.port});  // a change, so a count is published
  bool eleven = false;
  for (int tries = 0; tries < 10 && !eleven; ++tries) {
    Poll q = poll_count(in.port, watcher.token, p.next, p.page);
    EXPECT_FALSE(q.discontinuity) << "the stream survived the restart";
    for (std::size_t k = 0; k < q.numbers.size(); ++k) {
      EXPECT_EQ(q.numbers[k], p.next + k) << "gap or repeat";
      eleven = eleven || q.values[k] == "11";
    }
    if (!q.numbers.empty()) {
      EXPECT_EQ(q.page, page);
      p = q;
    }
  }
  EXPECT_TRUE(eleven);
  EXPECT_EQ(redis.cli({"ZCARD", "{video}:z:activePlayers"}), "11\n");
}

}  // namespace
}  // namespace streampulse::testing
