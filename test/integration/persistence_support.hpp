#pragma once
// Shared by the persistence tests (persistence_test.cpp, persistence_damage_test.cpp): a fresh
// data folder, heartbeats, the dashboard's total, file bytes, and the real binary on a port.
#include "test_server.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace streampulse::testing::persistence {

namespace json = boost::json;
namespace fs = std::filesystem;

inline fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("streampulse-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

inline std::string heartbeat(const std::string& id, int bitrate) {
  return R"({"playerId":")" + id + R"(","bitrate":)" + std::to_string(bitrate) +
         R"(,"playTime":9,"agent":{"os":"Linux","browser":"Firefox","device":"Desktop"}})";
}

inline void beat(unsigned short port, const std::string& id, int bitrate) {
  ASSERT_EQ(send_webhook(port, heartbeat(id, bitrate)).status, 204u);
}

inline std::uint64_t total_players(unsigned short port) {
  return json::parse(http_get(port, "/api/dashboard").body)
      .at("players")
      .at("total")
      .to_number<std::uint64_t>();
}

inline std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void spit(const fs::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A loopback port nobody listens on, below the ephemeral range (32768-60999 on Linux), so that
// the test's own client connections never hold it.
inline unsigned short free_port() {
  for (int i = 0; i < 1000; ++i) {
    const auto port = static_cast<unsigned short>(20000 + (getpid() + i * 7919) % 12000);
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io);
    boost::system::error_code ec;
    probe.open(boost::asio::ip::tcp::v4(), ec);
    probe.bind({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) return port;
  }
  throw std::runtime_error("no free port");
}

// The real binary on a loopback port, its log in dir/../<name>.log.
class Binary {
 public:
  Binary(fs::path dir, fs::path log) : dir_(std::move(dir)), log_(std::move(log)) {}
  ~Binary() {
    if (pid_ > 0) kill9();
  }
  unsigned short port() const { return port_; }

  void start() {
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execl(STREAMPULSE_BINARY, STREAMPULSE_BINARY, "serve", "--listen", listen.c_str(),
            "--webhook-secret", "test-secret", "--data-dir", dir_.c_str(), "--log-level", "info",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      try {
        if (http_get(port_, "/healthz").status == 200) return;
      } catch (...) {
      }
    }
    ADD_FAILURE() << "the service did not come up; log:\n" << slurp(log_);
  }
  void kill9() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  int stop() {  // SIGTERM; the exit code
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  fs::path dir_;
  fs::path log_;
  pid_t pid_ = -1;
  unsigned short port_ = free_port();
};

}  // namespace streampulse::testing::persistence
