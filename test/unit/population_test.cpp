// Synthetic population (ids, agent mix, heartbeat JSON) and the simulator's scheduling with an
// in-process sender.

#include "streampulse/sim/population.hpp"
#include <boost/asio/io_context.hpp>
#include "streampulse/core/heartbeat.hpp"
#include "streampulse/sim/simulator.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <map>
#include <optional>
#include <set>
#include <stdexcept>

namespace streampulse::sim {
namespace {

namespace asio = boost::asio;
constexpr core::EpochMs kNow = 1'764'000'000'000;

TEST(PopulationTest, IdsAreUniqueAndValid) {
  std::mt19937_64 rng(42);
  const auto players = make_population(2000, rng, kNow);
  ASSERT_EQ(players.size(), 2000u);
  std::set<std::string> ids;
  for (const auto& p : players) {
    EXPECT_TRUE(is_valid_player_id(p.id)) << p.id;
    EXPECT_EQ(p.id.rfind("sim-", 0), 0u) << p.id;
    ids.insert(p.id);
  }
  EXPECT_EQ(ids.size(), players.size());
}

TEST(PopulationTest, PlayerIdRule) {
  EXPECT_TRUE(is_valid_player_id("a"));
  EXPECT_TRUE(is_valid_player_id("A-z_09"));
  EXPECT_TRUE(is_valid_player_id(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_player_id(""));
  EXPECT_FALSE(is_valid_player_id(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_player_id("a b"));
  EXPECT_FALSE(is_valid_player_id("é"));
}

TEST(PopulationTest, SameSeedSamePopulation) {
  std::mt19937_64 a(7), b(7), c(8);
  const auto pa = make_population(50, a, kNow), pb = make_population(50, b, kNow);
  const auto pc = make_population(50, c, kNow);
  for (std::size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].id, pb[i].id);
    EXPECT_EQ(pa[i].agent.browser, pb[i].agent.browser);
  }
  EXPECT_NE(pa[0].id, pc[0].id);
}

TEST(PopulationTest, AgentMixIsPlausible) {
  std::mt19937_64 rng(1);
  const auto players = make_population(2000, rng, kNow);
  std::map<std::string, int> os, browsers, devices;
  for (const auto& p : players) {
    const auto& a = p.agent;
    ++os[a.os];
    ++browsers[a.browser];
    ++devices[a.device];
    if (a.browser == "Safari") {
      EXPECT_TRUE(a.os == "macOS" || a.os == "iOS") << a.os;
    }
    if (a.browser == "Samsung Internet") {
      EXPECT_EQ(a.os, "Android");
    }
    if (a.os == "Android" || a.os == "iOS") {
      EXPECT_NE(a.device, "Desktop");
    }
    if (a.os == "macOS" || a.os == "Linux") {
      EXPECT_EQ(a.device, "Desktop");
    }
  }
  for (const char* name : {"Windows", "macOS", "Android", "iOS", "Linux"}) {
    EXPECT_GT(os[name], 20) << name;
  }
  for (const char* name :
       {"Google Chrome", "Safari", "Firefox", "Microsoft Edge", "Samsung Internet", "Opera"}) {
    EXPECT_GT(browsers[name], 5) << name;
  }
  for (const char* name : {"Desktop", "Mobile", "Tablet"}) EXPECT_GT(devices[name], 20) << name;
  EXPECT_EQ(os.size(), 5u);
  EXPECT_EQ(browsers.size(), 6u);
  EXPECT_GT(browsers["Google Chrome"], browsers["Opera"]);  // Chrome dominates
}

TEST(PopulationTest, BitrateStaysOnTheLadderAndSwitchesSometimes) {
  std::mt19937_64 rng(3);
  auto players = make_population(200, rng, kNow);
  const std::set<int> ladder(std::begin(kBitrateLadderKbps), std::end(kBitrateLadderKbps));
  int switches = 0;
  for (auto& p : players) {
    for (int beat = 0; beat < 100; ++beat) {
      const auto before = p.level;
      maybe_switch_bitrate(p, rng);
      switches += before != p.level;
      EXPECT_TRUE(ladder.count(bitrate_kbps(p)));
    }
  }
  // 20000 beats at ~1.25% each: some switches, but far from every beat.
  EXPECT_GT(switches, 50);
  EXPECT_LT(switches, 1000);
}

TEST(PopulationTest, HeartbeatJsonHasTheContractFields) {
  std::mt19937_64 rng(5);
  const Player p = make_player(rng, kNow);
  const auto v = boost::json::parse(heartbeat_json(p, kNow + 10'500));
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("playerId").as_string(), p.id);
  EXPECT_EQ(o.at("bitrate").as_int64(), bitrate_kbps(p));
  EXPECT_EQ(o.at("playTime").as_int64(), p.initial_play_time_s + 10);
  const auto& agent = o.at("agent").as_object();
  EXPECT_EQ(agent.at("os").as_string(), p.agent.os);
  EXPECT_EQ(agent.at("browser").as_string(), p.agent.browser);
  EXPECT_EQ(agent.at("device").as_string(), p.agent.device);
  EXPECT_EQ(o.size(), 4u);
  EXPECT_LT(play_time_s(p, kNow), play_time_s(p, kNow + 60'000));
}

// ---- simulator with an in-process sender ----

struct RunResult {
  SimStats stats;
  std::set<std::string> ids;
};

RunResult run_simulation(SimulatorOptions opts, std::chrono::milliseconds work, bool fail_some) {
  asio::io_context io;
  RunResult out;
  auto sender = make_inprocess_sender([&](std::string hb) -> asio::awaitable<void> {
    const auto v = boost::json::parse(hb);
    out.ids.insert(std::string(v.at("playerId").as_string()));
    if (work.count() > 0) {
      asio::steady_timer t(co_await asio::this_coro::executor, work);
      co_await t.async_wait(asio::use_awaitable);
    }
    if (fail_some && out.ids.size() % 2 == 0) throw std::runtime_error("rejected");
  });
  Simulator sim(io.get_executor(), opts, std::move(sender));
  asio::co_spawn(io, sim.run(), asio::detached);
  io.run_for(std::chrono::seconds(10));
  out.stats = sim.stats();
  return out;
}

TEST(PopulationSimulatorTest, EveryPlayerBeatsAtTheInterval) {
  SimulatorOptions opts;
  opts.players = 20;
  opts.interval = std::chrono::milliseconds(100);
  opts.duration = std::chrono::milliseconds(1000);
  opts.seed = 9;
  const auto r = run_simulation(opts, std::chrono::milliseconds(0), false);
  EXPECT_EQ(r.ids.size(), 20u);
  // 10 beats per player in 1 s, give or take the phase at the edges.
  EXPECT_GE(r.stats.sent, 180u);
  EXPECT_LE(r.stats.sent, 220u);
  EXPECT_EQ(r.stats.ok, r.stats.sent);
  EXPECT_EQ(r.stats.failed, 0u);
  EXPECT_EQ(r.stats.skipped, 0u);
  EXPECT_EQ(r.stats.latency.count(), r.stats.ok);
}

TEST(PopulationSimulatorTest, SlowSendsAreSkippedNotQueued) {
  SimulatorOptions opts;
  opts.players = 4;
  opts.interval = std::chrono::milliseconds(50);
  opts.duration = std::chrono::milliseconds(600);
  opts.max_in_flight = 2;
  // Each send takes 120 ms: a player can send at most every third beat.
  const auto r = run_simulation(opts, std::chrono::milliseconds(120), false);
  EXPECT_GT(r.stats.skipped, 0u);
  EXPECT_LE(r.stats.sent, 4u * 600 / 120 + 4);
  EXPECT_GE(r.stats.latency.percentile_ms(50), 100.0);
  EXPECT_EQ(r.stats.ok, r.stats.sent);
}

TEST(PopulationSimulatorTest, FailuresAreGroupedByReason) {
  SimulatorOptions opts;
  opts.players = 10;
  opts.interval = std::chrono::milliseconds(100);
  opts.duration = std::chrono::milliseconds(300);
  const auto r = run_simulation(opts, std::chrono::milliseconds(0), true);
  EXPECT_EQ(r.stats.ok + r.stats.failed, r.stats.sent);
  EXPECT_GT(r.stats.failed, 0u);
  ASSERT_EQ(r.stats.failures.size(), 1u);
  EXPECT_EQ(r.stats.failures.begin()->first, "rejected");
}

TEST(PopulationSimulatorTest, SpawnedSimulationRunsUntilStopped) {
  asio::io_context io;
  SimulatorOptions opts;
  opts.players = 5;
  opts.interval = std::chrono::milliseconds(20);  // no duration: runs until stop()
  std::optional<SimStats> final_stats;
  auto sim = spawn_simulation(
      io.get_executor(), opts,
      make_inprocess_sender([](std::string) -> asio::awaitable<void> { co_return; }),
      [&](const SimStats& s) { final_stats = s; });
  asio::steady_timer t(io, std::chrono::milliseconds(200));
  t.async_wait([sim](auto) { sim->stop(); });
  sim.reset();  // the simulation keeps itself alive
  io.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(final_stats.has_value());
  EXPECT_GT(final_stats->ok, 10u);
  EXPECT_EQ(final_stats->failed, 0u);
}

TEST(PopulationSimulatorTest, LatencyPercentiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile_ms(50), 0);
  for (int i = 1; i <= 100; ++i) h.record(std::chrono::milliseconds(i));
  EXPECT_NEAR(h.percentile_ms(50), 50, 3);
  EXPECT_NEAR(h.percentile_ms(99), 99, 5);
}

// A load test fills the whole dashboard: the simulated players report quality as the page does
// (issue 17), every heartbeat valid by the service's own rules.
TEST(PopulationTest, HeartbeatsCarryRealisticQualityFieldsAndSomeFailedStarts) {
  std::mt19937_64 rng(11);
  auto players = make_population(2000, rng, kNow);
  int failed_starts = 0, stalls = 0, errors = 0, startup = 0;
  for (int beat = 0; beat < 20; ++beat) {
    for (auto& p : players) {
      std::string body = heartbeat_json(p, kNow + beat * 750);
      body.pop_back();
      append_quality_fields(body, p, rng);
      body += '}';
      auto hb = core::parse_heartbeat(body);
      ASSERT_TRUE(hb) << body << ": " << hb.error().message;
      if (beat == 0 && hb->errors.value_or(0) > 0 && !hb->startup_ms) ++failed_starts;
      if (hb->rebuffer_count.value_or(0) > 0) ++stalls;
      if (hb->errors.value_or(0) > 0) ++errors;
      if (hb->startup_ms) ++startup;
      EXPECT_TRUE(hb->throughput_bps || !hb->startup_ms) << body;
    }
  }
  EXPECT_GT(failed_starts, 10);  // about 2 % of 2,000
  EXPECT_LT(failed_starts, 90);
  EXPECT_GT(stalls, 50);  // 0.4 % of 40,000 heartbeats
  EXPECT_LT(stalls, 400);
  EXPECT_GE(errors, failed_starts);
  EXPECT_GT(startup, 38'000);
}

}  // namespace
}  // namespace streampulse::sim
