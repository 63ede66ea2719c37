// `streampulse simulate` as a real audience against the real binary on loopback: 200 viewers,
// each with its own token, heartbeats and count long-poll, for 8 s, --expect-exact; a flash
// crowd arriving while an audience watches; a viewer that never reads its answers.
#include "http_rules_support.hpp"

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

std::string body_of(const std::string& raw) {
  const auto at = raw.find("\r\n\r\n");
  return at == std::string::npos ? "" : raw.substr(at + 4);
}

// GET `target` on a connection of its own; the body of the answer.
std::string get_body(unsigned short port, const std::string& target) {
  return body_of(
      raw_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
}

double active_players(unsigned short port) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(get_body(port, "/api/dashboard"), ec);
  if (ec || !doc.is_object()) return -1;
  return number(doc.at("players").at("active"));
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// The simulator's final JSON report, or an empty object (the test then fails on its fields).
boost::json::object report_of(const std::string& path) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(read_all(path), ec);
  if (ec || !doc.is_object()) return {};
  return std::move(doc.as_object());
}

std::string simulate_command(unsigned short port, const std::string& args,
                             const std::string& report, const std::string& log) {
  return std::string(STREAMPULSE_BINARY) +
         " simulate --target http://127.0.0.1:" + std::to_string(port) + " " + args +
         " --report-every 0 --json " + report + " >" + log + " 2>&1";
}

// Runs `simulate` to its end and returns its report; a run that did not exit 0 fails the test.
boost::json::object simulate_to_end(unsigned short port, const std::string& args,
                                    const std::string& report, const std::string& log) {
  const int status = std::system(simulate_command(port, args, report, log).c_str());
  EXPECT_TRUE(WIFEXITED(status)) << read_all(log);
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_all(log);
  return report_of(report);
}

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

// Issue 14, "hostile and odd viewers": a client pipelines thousands of count long-polls with a
// tiny receive window and never reads an answer. The service answers until the socket is full,
// holds no more than one request of it in memory, and cuts it at the write deadline (30 s),
// while a 200-viewer audience beside it sees its exact count with no error.
TEST(SimulateAudience, AViewerThatNeverReadsIsCutAtTheWriteDeadlineAndNobodyElseNotices) {
  using namespace std::chrono_literals;
  const auto server_log = temp_path("sp-deaf-server");
  const auto sim_log = temp_path("sp-deaf-sim"), report = temp_path("sp-deaf-report");
  auto child = start_binary({"--log-level", "warn"}, server_log);
  boost::system::error_code ec;
  const auto config = boost::json::parse(get_body(child.port, "/api/player-config"), ec);
  ASSERT_FALSE(ec);
  const std::string token(config.at("topics").at("token").as_string());
  const long rss_before = rss_kib(child.pid);

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  const int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(child.port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  const std::string poll =
      "GET /topics/video/viewerCount?sequence_number=0 HTTP/1.1\r\nHost: "
      "t\r\nAuthorization: " +
      token + "\r\n\r\n";
  std::string many;
  for (int i = 0; i < 1000; ++i) many += poll;
  // Writes until the service stops reading for 2 s (its answers fill both sockets' buffers).
  timeval send_deadline{0, 200'000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_deadline, sizeof send_deadline);
  std::size_t sent = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - last_progress < 2s) {
    const auto n = ::send(fd, many.data() + sent % many.size(), many.size() - sent % many.size(),
                          MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      last_progress = std::chrono::steady_clock::now();
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      break;
    }
  }
  const auto stalled_at = last_progress;
  EXPECT_GT(sent, 100 * poll.size()) << "the service should have read and answered some polls";

  // Meanwhile (the stalled write pending on the service), an audience of 200 runs as usual.
  const auto r = simulate_to_end(child.port, "--players 200 --duration 8 --expect-exact --seed 7",
                                 report, sim_log);
  ASSERT_FALSE(r.empty()) << read_all(sim_log);
  EXPECT_EQ(number(r.at("heartbeats").at("failed")), 0) << read_all(sim_log);
  EXPECT_EQ(number(r.at("polls").at("failed")), 0) << read_all(sim_log);
  EXPECT_EQ(number(r.at("accuracy").at("steadyMismatches")), 0) << read_all(sim_log);
  // The stalled client costs the service no more than a session's buffers.
  const long rss_during = rss_kib(child.pid);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer holds freed memory in its quarantine (up to 256 MB): RSS says nothing here.
  std::cout << "[ skipped  ] the RSS bound under AddressSanitizer (" << rss_during - rss_before
            << " KiB)\n";
#else
  EXPECT_LT(rss_during - rss_before, 64 * 1024) << "KiB of growth, 200 viewers included";
#endif

  // Held until the write deadline, then cut; the socket's state says so without reading (a
  // read would let the service write again).
  auto state = [fd] {
    tcp_info info{};
    socklen_t len = sizeof info;
    return ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 ? info.tcpi_state : -1;
  };
  EXPECT_EQ(state(), TCP_ESTABLISHED) << "cut before its write deadline";
  bool closed = false;
  std::this_thread::sleep_until(stalled_at + 30s);
  for (int i = 0; i < 150 && !closed; ++i) {  // 15 s more at most
    const int st = state();
    closed = st == TCP_CLOSE || st == TCP_CLOSE_WAIT;
    if (!closed) std::this_thread::sleep_for(100ms);
  }
  ::close(fd);
  EXPECT_TRUE(closed) << "the service should have closed the connection at its write deadline";
  EXPECT_EQ(get_body(child.port, "/healthz").empty(), false);

  EXPECT_EQ(stop_binary(child), 0);
  for (const auto& f : {server_log, sim_log, report}) std::filesystem::remove(f);
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
