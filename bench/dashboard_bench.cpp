// Dashboard cost and memory per tracked player, on the embedded backend, in process.
//
//   build/bench/dashboard_bench [players=100000] [requests=1000]
//
// Fills the registry through its real write path (sorted set + dictionary + audience index),
// then times registry.dashboard() and reports p50/p99, and the growth of the resident set
// divided by the number of players.
#include "streampulse/core/viewer_registry.hpp"
#include "streampulse/embedded/embedded_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace streampulse;

namespace {

long rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

const std::array<core::Agent, 6> kAgents{{{"Windows", "Google Chrome", "Desktop"},
                                          {"macOS", "Safari", "Desktop"},
                                          {"Android", "Google Chrome", "Mobile"},
                                          {"iOS", "Safari", "Mobile"},
                                          {"Linux", "Firefox", "Desktop"},
                                          {"Windows", "Microsoft Edge", "Desktop"}}};
const std::array<double, 4> kLadder{800, 1500, 2800, 5000};

}  // namespace

int main(int argc, char** argv) {
  const std::size_t players = argc > 1 ? std::stoul(argv[1]) : 100'000;
  const std::size_t requests = argc > 2 ? std::stoul(argv[2]) : 1000;
  boost::asio::io_context ioc;
  core::SystemClock clock;
  embedded::EmbeddedStore store(ioc.get_executor(), clock);
  core::RegistrySettings settings;
  settings.max_players = players + 1000;  // the bench fills it: no cap in the way
  core::ViewerRegistry registry(store, clock, settings);

  std::vector<double> micros;
  long rss_before = 0, rss_after = 0;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        // Warm up the allocator and the code paths before the baseline reading.
        (void)co_await registry.dashboard();
        rss_before = rss_kib();
        for (std::size_t i = 0; i < players; ++i) {
          core::Heartbeat hb;
          hb.player_id = "player-" + std::to_string(i);
          // As the player page sends it: one browser profile per view but for one view in 20,
          // a second tab of the same profile.
          hb.viewer_id = "viewer-" + std::to_string(i - (i % 20 == 1 ? 1 : 0));
          hb.bitrate = kLadder[i % kLadder.size()];
          hb.play_time = static_cast<double>(i % 3600);
          hb.agent = kAgents[i % kAgents.size()];
          auto r = co_await registry.record(hb);
          if (!r) std::abort();
        }
        rss_after = rss_kib();
        for (std::size_t i = 0; i < requests; ++i) {
          const auto t0 = std::chrono::steady_clock::now();
          auto m = co_await registry.dashboard();
          const auto t1 = std::chrono::steady_clock::now();
          if (!m || m->total != players) std::abort();
          micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        }
      },
      boost::asio::detached);
  ioc.run();
  std::sort(micros.begin(), micros.end());
  const double p50 = micros[micros.size() / 2];
  const double p99 = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  std::printf("players=%zu dashboard_p50_us=%.1f dashboard_p99_us=%.1f bytes_per_player=%.0f\n",
              players, p50, p99,
              static_cast<double>(rss_after - rss_before) * 1024.0 / static_cast<double>(players));
  return 0;
}
