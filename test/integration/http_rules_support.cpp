#include "http_rules_support.hpp"

#include "test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace streampulse::testing {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds wait) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(bytes));
  s.shutdown(tcp::socket::shutdown_send);
  // A receive timeout, so a server that never closes fails the test instead of hanging it.
  timeval tv{static_cast<time_t>(wait.count() / 1000),
             static_cast<suseconds_t>(wait.count() % 1000 * 1000)};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  std::array<char, 4096> buf;
  const auto deadline = Clock::now() + wait;
  while (Clock::now() < deadline) {
    const auto n = ::recv(s.native_handle(), buf.data(), buf.size(), 0);
    if (n <= 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

std::vector<unsigned> statuses_in(const std::string& raw) {
  std::vector<unsigned> out;
  std::string_view rest(raw);
  while (!rest.empty()) {
    bh::response_parser<bh::string_body> parser;
    parser.eager(true);
    boost::beast::error_code ec;
    const auto used = parser.put(asio::buffer(rest.data(), rest.size()), ec);
    if (ec || !parser.is_done()) {
      out.push_back(0);  // something that is not a whole response
      break;
    }
    out.push_back(parser.get().result_int());
    rest.remove_prefix(used);
  }
  return out;
}

Child start_binary(const std::vector<std::string>& args, const std::string& log_path,
                   unsigned max_files) {
  Child c;
  {  // a port free a moment ago (the kernel does not hand it out again at once)
    asio::io_context ioc;
    tcp::acceptor probe(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    c.port = probe.local_endpoint().port();
  }
  const std::string listen = "127.0.0.1:" + std::to_string(c.port);
  c.pid = fork();
  if (c.pid < 0) throw std::runtime_error("fork failed");
  if (c.pid == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    if (max_files > 0) {
      rlimit lim{max_files, max_files};
      if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) _exit(126);
    }
    std::vector<std::string> all{STREAMPULSE_BINARY, "serve", "--listen", listen};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(STREAMPULSE_BINARY, argv.data());
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      if (http_get(c.port, "/healthz").status == 200) return c;
    } catch (...) {
    }
  }
  stop_binary(c, std::chrono::seconds(1));
  throw std::runtime_error("the binary did not come up on port " + std::to_string(c.port));
}

Child::~Child() {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

int stop_binary(Child& child, std::chrono::milliseconds wait) {
  if (child.pid <= 0) return -1;
  kill(child.pid, SIGTERM);
  const auto deadline = Clock::now() + wait;
  int status = 0;
  while (Clock::now() < deadline) {
    if (waitpid(child.pid, &status, WNOHANG) == child.pid) {
      child.pid = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;  // the destructor kills it
}

std::chrono::milliseconds cpu_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  const auto ticks = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return std::chrono::milliseconds(static_cast<long>(ticks * 1000));
}

}  // namespace streampulse::testing
