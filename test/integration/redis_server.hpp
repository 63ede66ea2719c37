#pragma once
// A real redis-server for the Redis client's tests: one process per fixture, in a fresh temp
// dir, on a Unix socket (TCP disabled unless asked for: never port 6379), no persistence, DEBUG
// allowed from local clients. Tests skip when redis-server is not installed
// (scripts/lib/deps.sh installs it with the test packages).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

// The start of a test that needs a real redis-server: skips it (with the reason) when
// redis-server cannot be run here. For GoogleTest tests (GTEST_SKIP).
#define REQUIRE_REDIS()                                                             \
  do {                                                                              \
    std::string why;                                                                \
    if (!::streampulse::testing::RedisServer::available(&why)) GTEST_SKIP() << why; \
  } while (false)

namespace streampulse::testing {

struct RedisServerOptions {
  bool tcp = false;         // also listen on 127.0.0.1:<a free port>
  bool tls = false;         // also listen with TLS on 127.0.0.1:<a free port> (test/data/tls)
  std::string requirepass;  // --requirepass
  std::vector<std::string> extra_args;
};

class RedisServer {
 public:
  // Whether redis-server can be run here; `why` says what is missing.
  static bool available(std::string* why = nullptr);
  // Whether this redis-server was built with TLS.
  static bool supports_tls();

  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  bool ready() const { return ready_; }  // answered PING after start
  void kill9();                          // SIGKILL, reaped
  bool restart();                        // kill9 if running, start again (same paths, ports)
  void stop();                           // SIGSTOP: sockets open, no answers
  void cont();                           // SIGCONT

  const std::string& socket_path() const { return socket_; }
  std::uint16_t tcp_port() const { return tcp_port_; }
  std::uint16_t tls_port() const { return tls_port_; }
  // URLs for redis::Url::parse, with the password when `password` is true.
  std::string unix_url(int db = 0, bool password = true) const;
  std::string tcp_url(bool password = true) const;
  std::string tls_url(const std::string& host = "localhost") const;

  // redis-cli -s <socket> [-a password] args...: its standard output.
  std::string cli(const std::vector<std::string>& args) const;
  std::string log() const;                               // the server's log file
  static std::string tls_file(const std::string& name);  // test/data/tls/<name>

 private:
  bool launch();
  bool wait_for_ping(std::chrono::milliseconds limit) const;

  RedisServerOptions options_;
  std::string dir_;
  std::string socket_;
  std::uint16_t tcp_port_ = 0;
  std::uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

// A Sentinel (the same redis-server binary, `redis-server <conf> --sentinel`) monitoring one
// primary as `master_name`, on 127.0.0.1:<a free port>, its config file (which it rewrites) in
// a fresh temp dir. Quorum 1: this one Sentinel decides alone.
struct RedisSentinelOptions {
  int down_after_ms = 1000;        // sentinel down-after-milliseconds
  int failover_timeout_ms = 2000;  // sentinel failover-timeout
};

class RedisSentinel {
 public:
  RedisSentinel(const std::string& master_name, std::uint16_t primary_port,
                RedisSentinelOptions options = {});
  ~RedisSentinel();
  RedisSentinel(const RedisSentinel&) = delete;
  RedisSentinel& operator=(const RedisSentinel&) = delete;

  bool ready() const { return ready_; }  // answered PING after start
  std::uint16_t port() const { return port_; }
  // SENTINEL get-master-addr-by-name: the primary's port as it says now (0: none).
  std::uint16_t primary_port() const;
  std::string cli(const std::vector<std::string>& args) const;  // redis-cli -p <port> args...
  std::string log() const;

 private:
  std::string name_;
  std::string dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace streampulse::testing
