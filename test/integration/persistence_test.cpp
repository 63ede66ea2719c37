// STREAMPULSE_DATA_DIR: players survive a graceful restart, and a kill -9 loses at most the
// snapshot interval.
#include "test_server.hpp"

#include "streampulse/core/webhook.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <filesystem>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;

namespace {

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("streampulse-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

void beat(unsigned short port, const std::string& id, int bitrate) {
  ASSERT_EQ(
      send_webhook(
          port,
          R"({"playerId":")" + id + R"(","bitrate":)" + std::to_string(bitrate) +
              R"(,"playTime":9,"agent":{"os":"Linux","browser":"Firefox","device":"Desktop"}})")
          .status,
      204u);
}

json::value players_and_bitrates(unsigned short port) {
  auto d = json::parse(http_get(port, "/api/dashboard").body);
  return {{"total", d.at("players").at("total")},
          {"bitrates", d.at("bitrates")},
          {"browsers", d.at("agents").at("browsers")}};
}

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
  TestServer second(config);
  EXPECT_EQ(players_and_bitrates(second.port()), before);
  EXPECT_EQ(before.at("total").to_number<int>(), 2);
  std::filesystem::remove_all(config.data_dir);
}

TEST(Persistence, KillNineLosesAtMostTheSnapshotInterval) {
  const auto dir = temp_dir("kill9");
  const int port = 21000 + (getpid() % 20000);
  auto start = [&]() {
    const pid_t pid = fork();
    if (pid == 0) {
      const std::string listen = "127.0.0.1:" + std::to_string(port);
      execl(STREAMPULSE_BINARY, STREAMPULSE_BINARY, "serve", "--listen", listen.c_str(),
            "--webhook-secret", "test-secret", "--data-dir", dir.c_str(), "--log-level", "warn",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      try {
        if (http_get(static_cast<unsigned short>(port), "/healthz").status == 200) break;
      } catch (...) {
      }
    }
    return pid;
  };
  const auto p = static_cast<unsigned short>(port);
  pid_t pid = start();
  beat(p, "durable1", 1500);
  beat(p, "durable2", 5000);
  const auto before = players_and_bitrates(p);
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));  // one snapshot interval
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pid = start();
  EXPECT_EQ(players_and_bitrates(p), before);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::filesystem::remove_all(dir);
}
