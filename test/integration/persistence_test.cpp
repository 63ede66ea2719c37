// STREAMPULSE_DATA_DIR: players survive a graceful restart (nothing lost) and a kill -9 (at most
// the last second lost: the journal is flushed every 200 ms). The crash tests run the real
// binary; damaged files: persistence_damage_test.cpp.
#include "persistence_support.hpp"
#include "test_server.hpp"

#include "streampulse/persist/snapshot.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>

using namespace streampulse;
using namespace streampulse::testing;
using namespace streampulse::testing::persistence;
namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

json::value players_and_bitrates(unsigned short port) {
  auto d = json::parse(http_get(port, "/api/dashboard").body);
  return {{"total", d.at("players").at("total")},
          {"bitrates", d.at("bitrates")},
          {"browsers", d.at("agents").at("browsers")}};
}

// The player ids a (whole) snapshot holds.
std::set<std::string> snapshot_ids(const fs::path& dir) {
  const auto c = persist::snapshot::parse(slurp(dir / "players.json"));
  EXPECT_TRUE(c.problem.empty()) << c.problem;
  std::set<std::string> ids;
  for (const auto& p : c.players) ids.insert(p.id);
  return ids;
}

// Heartbeats of new players from `threads` senders until stop(); remembers when each was
// acknowledged (204).
class Stream {
 public:
  // About 1,000 heartbeats/s with the defaults: a steady stream, not a load test.
  Stream(unsigned short port, std::string prefix, int threads = 2,
         std::chrono::microseconds pause = std::chrono::microseconds(1500)) {
    for (int t = 0; t < threads; ++t) {
      senders_.emplace_back([this, port, prefix, t, pause] {
        for (int n = 0; !stop_; ++n) {
          std::this_thread::sleep_for(pause);
          const std::string id = prefix + "-" + std::to_string(t) + "-" + std::to_string(n);
          try {
            if (send_webhook(port, heartbeat(id, 100 + n % 5000)).status != 204) continue;
          } catch (...) {
            continue;  // the service is gone
          }
          const auto at = Clock::now();
          std::lock_guard lock(mutex_);
          acked_.emplace_back(id, at);
        }
      });
    }
  }
  ~Stream() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& s : senders_)
      if (s.joinable()) s.join();
  }
  // Players acknowledged at or before `t`.
  std::set<std::string> acked_by(Clock::time_point t) {
    std::lock_guard lock(mutex_);
    std::set<std::string> out;
    for (const auto& [id, at] : acked_)
      if (at <= t) out.insert(id);
    return out;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::pair<std::string, Clock::time_point>> acked_;
  std::vector<std::thread> senders_;
};

}  // namespace

TEST(Persistence, GracefulRestartKeepsThePlayers) {
  auto config = test_config();
  config.data_dir = temp_dir("graceful").string();
  json::value before;
  {
    TestServer first(config);
    beat(first.port(), "keep1", 800);
    beat(first.port(), "keep2", 2800);
    before = players_and_bitrates(first.port());
  }  // stops gracefully: the last snapshot is written then
  {
    TestServer second(config);
    EXPECT_EQ(players_and_bitrates(second.port()), before);
    EXPECT_EQ(before.at("total").to_number<int>(), 2);
  }
  fs::remove_all(config.data_dir);
}

// SIGTERM right after a burst of heartbeats: every acknowledged one is kept.
TEST(Persistence, GracefulStopLosesNothing) {
  const auto dir = temp_dir("graceful-binary");
  const auto log = fs::path(dir.string() + ".log");
  Binary service(dir, log);
  service.start();
  std::set<std::string> acked;
  {
    Stream stream(service.port(), "g");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    stream.stop();
    acked = stream.acked_by(Clock::now());
  }
  const auto before = players_and_bitrates(service.port());
  EXPECT_EQ(service.stop(), 0);
  EXPECT_EQ(snapshot_ids(dir), acked);  // the stop wrote the last snapshot
  service.start();
  EXPECT_EQ(players_and_bitrates(service.port()), before);
  EXPECT_EQ(total_players(service.port()), acked.size());
  EXPECT_EQ(service.stop(), 0);
  EXPECT_EQ(slurp(log).find("is damaged"), std::string::npos) << slurp(log);
  fs::remove_all(dir);
  fs::remove(log);
}

// A steady stream, kill -9 in the middle of it, twice (the second time with a snapshot and the
// journal's next generations on disk): every heartbeat acknowledged a second or more before the
// kill is on the dashboard after the restart.
TEST(Persistence, KillNineLosesAtMostTheLastSecond) {
  const auto dir = temp_dir("kill9");
  const auto log = fs::path(dir.string() + ".log");
  Binary service(dir, log);
  service.start();
  std::set<std::string> must_keep;
  std::size_t acked_total = 0;
  for (int round = 0; round < 2; ++round) {
    Stream stream(service.port(), "r" + std::to_string(round));
    std::this_thread::sleep_for(std::chrono::milliseconds(3000));
    const auto killed_at = Clock::now();
    service.kill9();
    stream.stop();
    const auto kept = stream.acked_by(killed_at - std::chrono::seconds(1));
    must_keep.insert(kept.begin(), kept.end());
    acked_total += stream.acked_by(killed_at).size();
    ASSERT_GT(kept.size(), 100u) << "too few heartbeats to say anything";

    service.start();
    const auto total = total_players(service.port());
    EXPECT_GE(total, must_keep.size()) << "round " << round;
    EXPECT_LE(total, acked_total + 8) << "round " << round;  // + those sent, not yet answered
    std::cout << "round " << round << ": " << must_keep.size()
              << " acknowledged >= 1 s before the kill, " << acked_total << " acknowledged in all, "
              << total << " on the dashboard after the restart\n";
  }
  EXPECT_EQ(service.stop(), 0);
  const auto saved = snapshot_ids(dir);
  std::size_t missing = 0;
  for (const auto& id : must_keep) missing += saved.contains(id) ? 0 : 1;
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(slurp(log).find("is damaged"), std::string::npos) << slurp(log);
  fs::remove_all(dir);
  fs::remove(log);
}
