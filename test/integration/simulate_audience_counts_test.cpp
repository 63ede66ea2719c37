// `streampulse simulate` as a real audience against the real binary on loopback: 200 viewers,
// each with its own token, heartbeats and count long-poll, for 8 s, --expect-exact; viewers of
// three streams; a flash crowd arriving while an audience watches.
#include "http_rules_support.hpp"
#include "simulate_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

namespace streampulse::testing {
namespace {

using namespace simulate;

TEST(SimulateAudience, TwoHundredViewersSeeTheExactAudience) {
  const auto server_log = temp_path("sp-sim-server");
  const auto sim_log = temp_path("sp-sim-simulate");
  const auto report = temp_path("sp-sim-report");
  // The service's defaults: each viewer connects from its own loopback address.
  auto child = start_binary({"--log-level", "warn"}, server_log);
  const std::string command = std::string(STREAMPULSE_BINARY) +
                              " simulate --target http://127.0.0.1:" + std::to_string(child.port) +
                              " --players 200 --duration 8 --expect-exact --seed 14 --json " +
                              report + " >" + sim_log + " 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << read_all(sim_log);
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_all(sim_log);

  boost::system::error_code ec;
  const auto doc = boost::json::parse(read_all(report), ec);
  ASSERT_FALSE(ec) << read_all(sim_log);
  const auto& r = doc.as_object();
  const auto& hb = r.at("heartbeats").as_object();
  EXPECT_GT(number(hb.at("sent")), 0);
  EXPECT_EQ(number(hb.at("failed")), 0) << read_all(sim_log);
  EXPECT_EQ(number(hb.at("refused")), 0) << read_all(sim_log);
  EXPECT_EQ(number(r.at("configs").at("ok")), 200);
  const auto& acc = r.at("accuracy").as_object();
  EXPECT_GT(number(acc.at("steadySamples")), 0);
  EXPECT_EQ(number(acc.at("steadyMismatches")), 0) << read_all(sim_log);
  EXPECT_EQ(number(acc.at("steadyExact")), 1.0);
  EXPECT_EQ(number(acc.at("maxSeen")), 200);
  EXPECT_GT(number(r.at("deliveries").at("total")), 0);
  EXPECT_GT(number(r.at("deliveries").at("perViewerPerSecond")), 0);
  EXPECT_GT(number(r.at("publishesPerSecond")), 0);
  EXPECT_TRUE(r.at("expectExact").at("pass").as_bool());
  EXPECT_GT(number(r.at("simulator").at("cpuSeconds")), 0);

  EXPECT_EQ(stop_binary(child), 0);
  std::filesystem::remove(server_log);
  std::filesystem::remove(sim_log);
  std::filesystem::remove(report);
}

// Issue 15: viewers spread over three streams with a skew (the simulator creates them first),
// each checking its own stream's count.
TEST(SimulateAudience, ViewersOfThreeStreamsEachSeeTheirOwnStreamsAudience) {
  const auto server_log = temp_path("sp-sim3-server");
  const auto sim_log = temp_path("sp-sim3-simulate");
  const auto report = temp_path("sp-sim3-report");
  auto child = start_binary({"--log-level", "warn", "--admin-token", "sim-admin"}, server_log);
  const auto r = simulate_to_end(child.port,
                                 "--players 120 --streams 3 --create-streams --admin-token "
                                 "sim-admin --duration 8 --expect-exact --seed 15",
                                 report, sim_log);
  ASSERT_FALSE(r.empty()) << read_all(sim_log);
  EXPECT_EQ(number(r.at("configs").at("ok")), 120);
  const auto& acc = r.at("accuracy").as_object();
  EXPECT_GT(number(acc.at("steadySamples")), 0);
  EXPECT_EQ(number(acc.at("steadyMismatches")), 0) << read_all(sim_log);
  // The most popular stream's viewers saw fewer than all 120: their own stream's audience.
  EXPECT_LT(number(acc.at("maxSeen")), 120);
  EXPECT_GT(number(acc.at("maxSeen")), 40);
  // And the service counts them per stream.
  const auto streams = boost::json::parse(get_body(child.port, "/api/streams"));
  double active = 0;
  for (const auto& st : streams.at("streams").as_array())
    active += number(st.at("players").at("total"));
  EXPECT_EQ(active, 120);

  EXPECT_EQ(stop_binary(child), 0);
  std::filesystem::remove(server_log);
  std::filesystem::remove(sim_log);
  std::filesystem::remove(report);
}

// Issue 14, "hostile and odd viewers": 3,000 viewers arrive within 750 ms (each a
// configuration, two connections, a heartbeat and a long-poll) while 300 watch. The 300 see no
// refusal and no failure, and once the crowd has gone their count is theirs again.
TEST(SimulateAudience, AFlashCrowdLeavesTheWatchingAudienceUntouched) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A load test: a sanitized Debug service answers a few hundred configurations a second, so
  // the crowd would still be arriving at the end. The paths it takes run under the sanitizers
  // in TwoHundredViewersSeeTheExactAudience.
  GTEST_SKIP() << "a load test: not under a sanitizer";
#endif
  const auto server_log = temp_path("sp-crowd-server");
  const auto log_a = temp_path("sp-crowd-a"), report_a = temp_path("sp-crowd-a-report");
  const auto log_b = temp_path("sp-crowd-b"), report_b = temp_path("sp-crowd-b-report");
  auto child = start_binary({"--log-level", "warn"}, server_log);
  // The watching 300 for 20 s; the crowd from 4 s to about 12 s (8 s of 3,000 viewers).
  const std::string script =
      "sh -c '" +
      simulate_command(child.port, "--players 300 --duration 20 --seed 5", report_a, log_a) +
      " & sleep 4; " +
      simulate_command(child.port, "--players 3000 --duration 8 --seed 6", report_b, log_b) +
      "; wait'";
  std::thread audience([&script] { (void)std::system(script.c_str()); });
  // 16 s in: the crowd left more than one active window ago; only the 300 are counted.
  std::this_thread::sleep_for(std::chrono::seconds(16));
  const double active_after = active_players(child.port);
  audience.join();

  const auto a = report_of(report_a);
  const auto b = report_of(report_b);
  ASSERT_FALSE(a.empty()) << read_all(log_a);
  ASSERT_FALSE(b.empty()) << read_all(log_b);
  // The crowd came in whole: every one of its viewers got a configuration and was counted.
  EXPECT_EQ(number(b.at("configs").at("ok")), 3000) << read_all(log_b);
  EXPECT_EQ(number(b.at("heartbeats").at("failed")), 0) << read_all(log_b);
  EXPECT_EQ(number(b.at("accuracy").at("maxSeen")), 3300) << read_all(log_b);
  // The watching 300 noticed nothing but the count: no refusal, no failure, on either request.
  const auto& hb = a.at("heartbeats").as_object();
  EXPECT_GT(number(hb.at("ok")), 300 * 20);
  EXPECT_EQ(number(hb.at("failed")), 0) << read_all(log_a);
  EXPECT_EQ(number(hb.at("refused")), 0) << read_all(log_a);
  EXPECT_EQ(number(a.at("polls").at("failed")), 0) << read_all(log_a);
  EXPECT_EQ(number(a.at("polls").at("refused")), 0) << read_all(log_a);
  EXPECT_EQ(number(a.at("configs").at("ok")), 300);
  EXPECT_EQ(number(a.at("accuracy").at("maxSeen")), 3300) << read_all(log_a);
  EXPECT_EQ(active_after, 300) << read_all(server_log);

  EXPECT_EQ(stop_binary(child), 0);
  for (const auto& f : {server_log, log_a, report_a, log_b, report_b}) std::filesystem::remove(f);
}

}  // namespace
}  // namespace streampulse::testing
