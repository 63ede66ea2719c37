// app/capacity.hpp: the caps sized from given open-file limits (pure), and the raise itself.
#include "streampulse/app/capacity.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

using namespace streampulse::app;

TEST(Capacity, SizedFromTheOpenFileLimit) {
  // Docker's and systemd's usual soft limit, the compose file's, a large hard limit.
  auto c = size_capacity(0, 0, 1024);
  EXPECT_EQ(c.connections, 960u);  // 1024 - 64 reserved
  EXPECT_EQ(c.long_polls, 480u);   // a viewer holds two connections
  EXPECT_EQ(c.viewers, 480u);
  EXPECT_TRUE(c.connections_from_limit);
  EXPECT_TRUE(c.long_polls_from_limit);
  c = size_capacity(0, 0, 16384);
  EXPECT_EQ(c.connections, 16320u);
  EXPECT_EQ(c.long_polls, 8160u);
  EXPECT_EQ(c.viewers, 8160u);
  c = size_capacity(0, 0, 1'048'576);
  EXPECT_EQ(c.connections, 1'048'512u);
  EXPECT_EQ(c.open_files, 1'048'576u);
}

TEST(Capacity, TinyAndHugeLimitsStaySane) {
  auto c = size_capacity(0, 0, 100);  // half kept for connections rather than none
  EXPECT_EQ(c.connections, 50u);
  EXPECT_EQ(c.long_polls, 25u);
  c = size_capacity(0, 0, 1);
  EXPECT_EQ(c.connections, 1u);
  EXPECT_EQ(c.long_polls, 1u);
  EXPECT_EQ(c.viewers, 0u);
  c = size_capacity(0, 0, 0);
  EXPECT_EQ(c.connections, 1u);
  c = size_capacity(0, 0, std::uint64_t{1} << 40);  // "unlimited"
  EXPECT_EQ(c.connections, kMostConnectionsFromLimit);
  EXPECT_EQ(c.long_polls, kMostConnectionsFromLimit / 2);
}

TEST(Capacity, TheOperatorsNumbersWin) {
  auto c = size_capacity(4096, 0, 16384);
  EXPECT_EQ(c.connections, 4096u);
  EXPECT_FALSE(c.connections_from_limit);
  EXPECT_EQ(c.long_polls, 2048u);  // from the connections, configured or not
  EXPECT_FALSE(c.connections_above_limit);
  c = size_capacity(0, 100, 16384);
  EXPECT_EQ(c.connections, 16320u);
  EXPECT_EQ(c.long_polls, 100u);
  EXPECT_FALSE(c.long_polls_from_limit);
  EXPECT_EQ(c.viewers, 100u);  // the long-polls bound them
  // A cap the limit cannot hold: kept, and flagged for the warning.
  c = size_capacity(100'000, 0, 1024);
  EXPECT_EQ(c.connections, 100'000u);
  EXPECT_TRUE(c.connections_above_limit);
}

TEST(Capacity, RaiseTakesTheSoftLimitToTheHardLimit) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  const auto limit = raise_open_file_limit();
  EXPECT_TRUE(limit.problem.empty()) << limit.problem;
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_max, before.rlim_max);
  if (before.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(after.rlim_cur, before.rlim_max);
  }
  EXPECT_EQ(limit.soft, static_cast<std::uint64_t>(after.rlim_cur));
  // Sizing a config: caps left at 0 are filled in, set ones kept.
  Config config;
  config.max_long_polls = 7;
  const auto report = apply_capacity(config);
  EXPECT_EQ(config.max_connections, report.capacity.connections);
  EXPECT_GT(config.max_connections, 0u);
  EXPECT_EQ(config.max_long_polls, 7u);
}
