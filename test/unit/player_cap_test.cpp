// The cap on players tracked (issue 13): the admission rule with an injected clock, its sizing
// from the cgroup memory limit, and the registry applying it on the embedded store.
#include "streampulse/core/player_cap.hpp"
#include "run_awaitable.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/core/viewer_registry.hpp"
#include "streampulse/embedded/embedded_store.hpp"
#include "streampulse/service/memory_limit.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace streampulse::core {
namespace {

using testing::run_awaitable;

AdmissionQuery at_cap(std::optional<EpochMs> oldest_seen) {
  AdmissionQuery q;
  q.tracked = 10;
  q.max_players = 10;
  q.now = 100'000;
  q.active_window_ms = 1500;
  q.oldest_seen = oldest_seen;
  return q;
}

TEST(PlayerCap, BelowTheCapOrKnownPlayersAreRecorded) {
  AdmissionQuery q = at_cap(std::nullopt);
  q.tracked = 9;
  EXPECT_EQ(decide_admission(q), Admission::record);
  q.tracked = 10;
  q.known = true;  // a tracked player is recorded even at the cap, all others active
  EXPECT_EQ(decide_admission(q), Admission::record);
  q.tracked = 12;  // over (a restore with a lower cap): still recorded
  EXPECT_EQ(decide_admission(q), Admission::record);
}

TEST(PlayerCap, AtTheCapTheOldestInactivePlayerMakesRoom) {
  EXPECT_EQ(decide_admission(at_cap(100'000 - 1501)), Admission::evict_then_record);
  EXPECT_EQ(decide_admission(at_cap(0)), Admission::evict_then_record);
}

TEST(PlayerCap, AtTheCapWithEveryPlayerActiveANewOneIsRefused) {
  // The active count counts last-seen >= now - window: such a player is active.
  EXPECT_EQ(decide_admission(at_cap(100'000 - 1500)), Admission::refuse);
  EXPECT_EQ(decide_admission(at_cap(100'000)), Admission::refuse);
  EXPECT_EQ(decide_admission(at_cap(std::nullopt)), Admission::refuse);  // none to evict
}

TEST(PlayerCap, SizedFromTheMemoryLimitOrTheDefault) {
  EXPECT_EQ(size_player_cap(5000, 1ull << 30).max_players, 5000u);
  EXPECT_EQ(size_player_cap(0, std::nullopt).max_players, kDefaultMaxPlayers);
  const std::uint64_t pod = 512ull << 20;
  const auto sized = size_player_cap(0, pod);
  EXPECT_EQ(sized.max_players, pod / 2 / kBytesPerPlayer);
  EXPECT_NE(sized.reason.find("512 MiB"), std::string::npos) << sized.reason;
  EXPECT_EQ(size_player_cap(0, 1ull << 20).max_players, 1000u);  // a floor for tiny limits
}

TEST(PlayerCap, CgroupLimitsAreReadAndNoLimitIsNone) {
  EXPECT_EQ(parse_cgroup_memory_limit("536870912\n"), std::optional<std::uint64_t>(536870912));
  EXPECT_EQ(parse_cgroup_memory_limit("max\n"), std::nullopt);
  EXPECT_EQ(parse_cgroup_memory_limit("9223372036854771712\n"), std::nullopt);  // v1 "none"
  EXPECT_EQ(parse_cgroup_memory_limit("0"), std::nullopt);
  EXPECT_EQ(parse_cgroup_memory_limit("12abc"), std::nullopt);
  EXPECT_EQ(parse_cgroup_memory_limit(""), std::nullopt);

  const auto root =
      std::filesystem::temp_directory_path() / ("streampulse-cgroup-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "memory");
  EXPECT_EQ(service::cgroup_memory_limit(root), std::nullopt);  // no file at all
  std::ofstream(root / "memory" / "memory.limit_in_bytes") << "268435456\n";
  EXPECT_EQ(service::cgroup_memory_limit(root), std::optional<std::uint64_t>(268435456));  // v1
  std::ofstream(root / "memory.max") << "max\n";  // v2 without a limit: v1's file is read
  EXPECT_EQ(service::cgroup_memory_limit(root), std::optional<std::uint64_t>(268435456));
  std::ofstream(root / "memory.max") << "536870912\n";  // v2 wins
  EXPECT_EQ(service::cgroup_memory_limit(root), std::optional<std::uint64_t>(536870912));
  std::filesystem::remove_all(root);
}

struct CappedRegistry {
  boost::asio::io_context io;
  ManualClock clock;
  embedded::EmbeddedStore store{io.get_executor(), clock};
  ViewerRegistry registry{store, clock, [] {
                            RegistrySettings s;
                            s.max_players = 3;
                            return s;
                          }()};

  store::result<void> record(const std::string& id) {
    auto hb = parse_heartbeat(R"({"playerId":")" + id + R"(","bitrate":800,"playTime":3})");
    return run_awaitable(io, registry.record(*hb));
  }
  std::uint64_t in_set() {
    const store::ScoreRange all;
    return run_awaitable(io, store.sorted_set_length_by_score("activePlayers", all)).value();
  }
  std::uint64_t in_dictionary() {
    return run_awaitable(io, store.dictionary_length("analytics")).value();
  }
};

TEST(PlayerCap, TheRegistryEvictsTheLongestSilentInactivePlayer) {
  CappedRegistry r;
  ASSERT_FALSE(r.record("a").has_error());
  r.clock.advance(100);
  ASSERT_FALSE(r.record("b").has_error());
  r.clock.advance(100);
  ASSERT_FALSE(r.record("c").has_error());
  r.clock.advance(2000);  // all three silent past the active window
  ASSERT_FALSE(r.record("d").has_error());
  EXPECT_EQ(r.registry.tracked_players(), 3u);
  EXPECT_FALSE(r.registry.index().contains("a"));  // the longest silent
  EXPECT_TRUE(r.registry.index().contains("b"));
  EXPECT_TRUE(r.registry.index().contains("d"));
  EXPECT_EQ(r.in_set(), 3u);
  EXPECT_EQ(r.in_dictionary(), 3u);
  EXPECT_EQ(r.registry.players_evicted(), 1u);
  EXPECT_EQ(r.registry.players_refused(), 0u);
}

TEST(PlayerCap, WhenAllAreActiveANewPlayerIsRefusedAndNothingChanges) {
  CappedRegistry r;
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_FALSE(r.record(id).has_error());
    r.clock.advance(10);
  }
  r.clock.advance(970);  // a: 1000 ms silent, still within the active window
  auto refused = r.record("new");
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error(), errc::too_many_players);
  EXPECT_FALSE(r.registry.index().contains("new"));
  EXPECT_EQ(r.registry.tracked_players(), 3u);
  EXPECT_EQ(r.in_set(), 3u);
  EXPECT_EQ(r.in_dictionary(), 3u);
  EXPECT_EQ(r.registry.players_refused(), 1u);
  EXPECT_EQ(r.registry.players_evicted(), 0u);
  // Players already tracked keep being recorded at the cap.
  EXPECT_FALSE(r.record("b").has_error());
  EXPECT_EQ(run_awaitable(r.io, r.registry.active_count()).value(), 3u);
  // Once one falls silent past the window, a new player takes its place.
  r.clock.advance(600);  // a: 1600 ms silent, c: 1580 ms; b: 600 ms
  EXPECT_FALSE(r.record("new").has_error());
  EXPECT_FALSE(r.registry.index().contains("a"));
  EXPECT_TRUE(r.registry.index().contains("new"));
}

}  // namespace
}  // namespace streampulse::core
