// The registry's rules that span instances: two registries on one store stand in for two
// instances on one Momento cache.
#include "streampulse/core/viewer_registry.hpp"
#include "run_awaitable.hpp"
#include "streampulse/embedded/embedded_store.hpp"

#include <gtest/gtest.h>

namespace streampulse::core {
namespace {

using testing::run_awaitable;

TEST(ViewerRegistry, AnInstanceThatDidNotPruneAPlayerStillDropsItAfterTheRetention) {
  boost::asio::io_context io;
  ManualClock clock;
  embedded::EmbeddedStore store(io.get_executor(), clock);
  RegistrySettings settings;
  settings.retention_ms = 60'000;
  ViewerRegistry first(store, clock, settings);
  ViewerRegistry second(store, clock, settings);  // reads the same heartbeats (subscription)
  auto hb = parse_heartbeat(R"({"playerId":"gone","bitrate":800,"playTime":3})");
  ASSERT_TRUE(hb.has_value());
  ASSERT_FALSE(run_awaitable(io, first.record(*hb)).has_error());
  ASSERT_FALSE(run_awaitable(io, second.record(*hb)).has_error());

  clock.advance(61'000);
  // The first instance prunes first: the player leaves the store and its index.
  EXPECT_EQ(run_awaitable(io, first.prune()).value(), 1u);
  EXPECT_EQ(first.tracked_players(), 0u);
  // The second finds nothing in the store, but drops the player by its own clock within ten
  // passes (it walks its index every tenth).
  std::size_t dropped = 0;
  for (int i = 0; i < 10; ++i) dropped += run_awaitable(io, second.prune()).value();
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(second.tracked_players(), 0u);
}

TEST(ViewerRegistry, LoadTakesEachPlayersLastSeenTimeFromTheSortedSet) {
  boost::asio::io_context io;
  ManualClock clock;
  embedded::EmbeddedStore store(io.get_executor(), clock);
  RegistrySettings settings;
  settings.retention_ms = 60'000;
  ViewerRegistry writer(store, clock, settings);
  auto hb = parse_heartbeat(R"({"playerId":"old","bitrate":800,"playTime":3})");
  ASSERT_FALSE(run_awaitable(io, writer.record(*hb)).has_error());

  ViewerRegistry reader(store, clock, settings);  // an instance that starts later
  EXPECT_EQ(run_awaitable(io, reader.load()).value(), 1u);
  clock.advance(61'000);
  ASSERT_FALSE(run_awaitable(io, writer.prune()).has_error());  // the writer removes it
  std::size_t dropped = 0;
  for (int i = 0; i < 10; ++i) dropped += run_awaitable(io, reader.prune()).value();
  EXPECT_EQ(dropped, 1u);  // the loaded player carried its time, so the reader drops it too
}

}  // namespace
}  // namespace streampulse::core
