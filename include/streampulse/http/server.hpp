#pragma once
// The one HTTP listener: a coroutine accept loop, a cap on connections, and sessions with
// keep-alive, deadlines and size limits. Each session joins the service's task group, which
// stops them: gracefully (idle connections close, requests in flight finish), then at once.
#include "streampulse/async/task_group.hpp"
#include "streampulse/http/router.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace streampulse::http {

struct ServerSettings {
  boost::asio::ip::tcp::endpoint endpoint;
  std::size_t max_connections = 4096;
  std::chrono::milliseconds header_timeout{10'000};  // whole header, idle keep-alive included
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t header_limit = 8 * 1024;
  std::size_t default_body_limit = 64 * 1024;
  // Called on the accept loop's thread (the state loop) for each failed accept, for metrics.
  std::function<void()> on_accept_failure;
  // Called on the accept loop's thread for each connection refused past max_connections.
  std::function<void()> on_refused;
};

class Server {
 public:
  // `state`: the state loop, where the accept loop and Affinity::state handlers run.
  // `session_executors`: further threads' executors; connections are spread round-robin over
  // the state loop and these (none: every connection on the state loop). `group`: the task
  // group every session joins while it runs (it outlives the sessions' wait in a stop).
  Server(boost::asio::any_io_executor state, ServerSettings settings, const Router& router,
         async::TaskGroup& group, std::vector<boost::asio::any_io_executor> session_executors = {});
  ~Server();

  // Binds and listens; an error (address in use...) is returned, not thrown.
  boost::system::error_code listen();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Accepts until stop_accepting().
  boost::asio::awaitable<void> run();

  void stop_accepting();
  std::size_t sessions() const;  // open connections

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace streampulse::http
