// `streampulse simulate` as a real audience against the real binary on loopback: 200 viewers,
// each with its own token, heartbeats and count long-poll, for 8 s, --expect-exact.
#include "http_rules_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace streampulse::testing {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(::getpid()) + ".tmp"))
      .string();
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double number(const boost::json::value& v) { return v.to_number<double>(); }

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

TEST(SimulateAudience, RefusesMoreViewersThanItsOpenFilesAllow) {
  const auto sim_log = temp_path("sp-sim-nofile");
  // 300 files: (300 - 100) / 2 = 100 subscribed viewers at most, 200 without --subscribe.
  const std::string bin = STREAMPULSE_BINARY;
  const std::string over = "sh -c 'ulimit -n 300 && exec " + bin +
                           " simulate --target http://127.0.0.1:9 --players 101 --duration 1'"
                           " >" +
                           sim_log + " 2>&1";
  int status = std::system(over.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2) << read_all(sim_log);
  EXPECT_NE(read_all(sim_log).find("at most 100 viewers per process"), std::string::npos)
      << read_all(sim_log);
  // Within the limit it runs (nothing answers on port 9: configurations fail, backed off).
  const std::string within = "sh -c 'ulimit -n 300 && exec " + bin +
                             " simulate --target http://127.0.0.1:9 --players 150 --duration 1"
                             " --no-subscribe --report-every 0' >" +
                             sim_log + " 2>&1";
  status = std::system(within.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_all(sim_log);
  std::filesystem::remove(sim_log);
}

}  // namespace
}  // namespace streampulse::testing
