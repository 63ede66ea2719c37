// Memory per tracked player at its largest, for the cap on players (core/player_cap.hpp).
//
//   build/bench/player_memory [players=200000]
//
// Records players through the real write path on the embedded backend (ViewerRegistry::record:
// sorted set, dictionary, audience index) with the largest heartbeat a player may send: a
// 64-character playerId and every quality field. Prints the growth of the resident set per
// player: the figure core::kBytesPerPlayer rounds up.
#include "streampulse/core/viewer_registry.hpp"
#include "streampulse/embedded/embedded_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <fstream>
#include <string>

using namespace streampulse;

namespace {

long rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// The largest heartbeat of player i: a 64-character id, every optional field.
std::string heartbeat(std::size_t i) {
  std::string id = "player-" + std::to_string(i);
  id.resize(64, 'x');
  return R"({"playerId":")" + id + R"(","bitrate":)" + std::to_string(800 + i % 4200) +
         R"(,"playTime":)" + std::to_string(i % 3600) +
         R"(.125,"agent":{"os":"Windows","browser":"Google Chrome","device":"Desktop"},)"
         R"("startupMs":812.5,"rebufferCount":3,"rebufferMs":1234.5,"errors":2,)"
         R"("throughputBps":12345678.9,"droppedFrames":)" +
         std::to_string(i % 1000) + R"(,"state":"playing"})";
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t players = argc > 1 ? std::stoul(argv[1]) : 200'000;
  boost::asio::io_context ioc;
  core::SystemClock clock;
  embedded::EmbeddedStore store(ioc.get_executor(), clock);
  core::RegistrySettings settings;
  settings.max_players = players;
  core::ViewerRegistry registry(store, clock, settings);
  long before = 0, after = 0;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        (void)co_await registry.dashboard();  // warm up before the baseline
        before = rss_kib();
        for (std::size_t i = 0; i < players; ++i) {
          auto hb = core::parse_heartbeat(heartbeat(i));
          if (!hb) std::abort();
          // Twice: the second record holds totals and a bitrate history. (Plain statements:
          // GCC 12 mishandles co_await inside conditional expressions.)
          for (int n = 0; n < 2; ++n) {
            auto recorded = co_await registry.record(*hb);
            if (!recorded) std::abort();
          }
        }
        after = rss_kib();
      },
      boost::asio::detached);
  ioc.run();
  std::printf("players=%zu tracked=%zu rss_growth_kib=%ld bytes_per_player=%.0f\n", players,
              registry.tracked_players(), after - before,
              static_cast<double>(after - before) * 1024.0 / static_cast<double>(players));
  return 0;
}
