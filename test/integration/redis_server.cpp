#include "redis_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace streampulse::testing {

namespace fs = std::filesystem;

namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string run_and_read(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

// A loopback port free now (the server binds it a moment later; good enough for tests).
std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// Starts `args` (redis-server first), its output to /dev/null; the pid, or -1.
pid_t spawn(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    // Dies with the test process (a crashed or killed test leaves no server behind). Linux: the
    // signal comes when the forking thread ends; fixtures live on the test's main thread.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
    }
    ::execvp("redis-server", argv.data());
    ::_exit(127);
  }
  return pid;
}

void kill_and_reap(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  pid = -1;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

bool RedisServer::available(std::string* why) {
  if (std::system("command -v redis-server >/dev/null 2>&1 && "
                  "command -v redis-cli >/dev/null 2>&1") == 0) {
    return true;
  }
  if (why) *why = "redis-server or redis-cli not installed (apt install redis-server redis-tools)";
  return false;
}

bool RedisServer::supports_tls() {
  // Built with TLS means linked with OpenSSL (Debian's 7.0 is; BUILD_TLS=yes upstream).
  return std::system("ldd \"$(command -v redis-server)\" 2>/dev/null | grep -q libssl") == 0;
}

std::string RedisServer::tls_file(const std::string& name) {
  // test/CMakeLists.txt defines the source dir for the integration tests; else upwards from
  // the working directory (ctest runs in <build>/test).
#ifdef STREAMPULSE_SOURCE_DIR
  const fs::path from_source = fs::path(STREAMPULSE_SOURCE_DIR) / "test" / "data" / "tls" / name;
  if (fs::exists(from_source)) return from_source.string();
#endif
  for (auto dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    const auto candidate = dir / "test" / "data" / "tls" / name;
    if (fs::exists(candidate)) return fs::absolute(candidate).string();
    if (dir == dir.parent_path()) break;
  }
  return name;
}

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  std::string pattern = (fs::temp_directory_path() / "sp-redis-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return;
  dir_ = pattern;
  socket_ = dir_ + "/redis.sock";
  if (options_.tcp) tcp_port_ = free_port();
  if (options_.tls) tls_port_ = free_port();
  ready_ = launch();
}

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    kill9();
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

bool RedisServer::launch() {
  std::vector<std::string> args = {"redis-server", "--port",    std::to_string(tcp_port_),
                                   "--unixsocket", socket_,     "--unixsocketperm",
                                   "700",          "--save",    "",
                                   "--appendonly", "no",        "--dir",
                                   dir_,           "--logfile", dir_ + "/redis.log",
                                   "--daemonize",  "no",        "--enable-debug-command",
                                   "local"};
  if (options_.tcp || options_.tls) {
    args.insert(args.end(), {"--bind", "127.0.0.1"});
  }
  if (options_.tls) {
    args.insert(args.end(), {"--tls-port", std::to_string(tls_port_), "--tls-cert-file",
                             tls_file("server.pem"), "--tls-key-file", tls_file("server.key"),
                             "--tls-ca-cert-file", tls_file("ca.pem"), "--tls-auth-clients", "no"});
  }
  if (!options_.requirepass.empty()) {
    args.insert(args.end(), {"--requirepass", options_.requirepass});
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());

  pid_ = spawn(args);
  if (pid_ < 0) return false;
  return wait_for_ping(std::chrono::seconds(5));
}

bool RedisServer::wait_for_ping(std::chrono::milliseconds limit) const {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (fs::exists(socket_) && cli({"PING"}).find("PONG") != std::string::npos) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return false;  // it exited
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void RedisServer::kill9() { kill_and_reap(pid_); }

bool RedisServer::restart() {
  kill9();
  std::error_code ec;
  fs::remove(socket_, ec);
  ready_ = launch();
  return ready_;
}

void RedisServer::stop() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::cont() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::string RedisServer::unix_url(int db, bool password) const {
  std::string url = "unix://";
  if (password && !options_.requirepass.empty()) url += ":" + options_.requirepass + "@";
  url += socket_;
  if (db != 0) url += "?db=" + std::to_string(db);
  return url;
}

std::string RedisServer::tcp_url(bool password) const {
  std::string url = "redis://";
  if (password && !options_.requirepass.empty()) url += ":" + options_.requirepass + "@";
  return url + "127.0.0.1:" + std::to_string(tcp_port_);
}

std::string RedisServer::tls_url(const std::string& host) const {
  std::string url = "rediss://";
  if (!options_.requirepass.empty()) url += ":" + options_.requirepass + "@";
  return url + host + ":" + std::to_string(tls_port_);
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::string command = "redis-cli -s " + quote(socket_);
  if (!options_.requirepass.empty()) {
    command += " --no-auth-warning -a " + quote(options_.requirepass);
  }
  for (const auto& a : args) command += " " + quote(a);
  return run_and_read(command + " 2>&1");
}

std::string RedisServer::log() const { return read_file(dir_ + "/redis.log"); }

RedisSentinel::RedisSentinel(const std::string& master_name, std::uint16_t primary_port,
                             RedisSentinelOptions options)
    : name_(master_name) {
  std::string pattern = (fs::temp_directory_path() / "sp-sentinel-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return;
  dir_ = pattern;
  port_ = free_port();
  const auto conf = dir_ + "/sentinel.conf";  // Sentinel rewrites it: it must be writable
  {
    std::ofstream out(conf);
    out << "port " << port_ << "\nbind 127.0.0.1\ndir " << dir_ << "\nlogfile " << dir_
        << "/sentinel.log\ndaemonize no\n"
        << "sentinel monitor " << name_ << " 127.0.0.1 " << primary_port << " 1\n"
        << "sentinel down-after-milliseconds " << name_ << ' ' << options.down_after_ms << "\n"
        << "sentinel failover-timeout " << name_ << ' ' << options.failover_timeout_ms << "\n";
  }
  pid_ = spawn({"redis-server", conf, "--sentinel"});
  if (pid_ < 0) return;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until) {
    if (cli({"PING"}).find("PONG") != std::string::npos) {
      ready_ = true;
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

RedisSentinel::~RedisSentinel() {
  kill_and_reap(pid_);
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::uint16_t RedisSentinel::primary_port() const {
  const auto out = cli({"SENTINEL", "get-master-addr-by-name", name_});
  const auto newline = out.find('\n');
  if (newline == std::string::npos) return 0;
  const auto port = std::atoi(out.c_str() + newline + 1);
  return port > 0 && port < 65536 ? static_cast<std::uint16_t>(port) : 0;
}

std::string RedisSentinel::cli(const std::vector<std::string>& args) const {
  std::string command = "redis-cli -h 127.0.0.1 -p " + std::to_string(port_);
  for (const auto& a : args) command += " " + quote(a);
  return run_and_read(command + " 2>&1");
}

std::string RedisSentinel::log() const { return read_file(dir_ + "/sentinel.log"); }

}  // namespace streampulse::testing
