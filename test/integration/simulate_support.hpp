#pragma once
// Shared by the `streampulse simulate` tests (simulate_audience_*_test.cpp): temp files, raw GETs
// of the real binary, the simulator's command line and its final JSON report.
#include "http_rules_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace streampulse::testing::simulate {

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(::getpid()) + ".tmp"))
      .string();
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline double number(const boost::json::value& v) { return v.to_number<double>(); }

inline std::string body_of(const std::string& raw) {
  const auto at = raw.find("\r\n\r\n");
  return at == std::string::npos ? "" : raw.substr(at + 4);
}

// GET `target` on a connection of its own; the body of the answer.
inline std::string get_body(unsigned short port, const std::string& target) {
  return body_of(
      raw_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
}

inline double active_players(unsigned short port) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(get_body(port, "/api/dashboard"), ec);
  if (ec || !doc.is_object()) return -1;
  return number(doc.at("players").at("active"));
}

inline long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// The simulator's final JSON report, or an empty object (the test then fails on its fields).
inline boost::json::object report_of(const std::string& path) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(read_all(path), ec);
  if (ec || !doc.is_object()) return {};
  return std::move(doc.as_object());
}

inline std::string simulate_command(unsigned short port, const std::string& args,
                                    const std::string& report, const std::string& log) {
  return std::string(STREAMPULSE_BINARY) +
         " simulate --target http://127.0.0.1:" + std::to_string(port) + " " + args +
         " --report-every 0 --json " + report + " >" + log + " 2>&1";
}

// Runs `simulate` to its end and returns its report; a run that did not exit 0 fails the test.
inline boost::json::object simulate_to_end(unsigned short port, const std::string& args,
                                           const std::string& report, const std::string& log) {
  const int status = std::system(simulate_command(port, args, report, log).c_str());
  EXPECT_TRUE(WIFEXITED(status)) << read_all(log);
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_all(log);
  return report_of(report);
}

}  // namespace streampulse::testing::simulate
