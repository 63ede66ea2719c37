#include "streampulse/http/server.hpp"

#include "session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>

namespace streampulse::http {

namespace asio = boost::asio;
using asio::ip::tcp;

// A thread that runs connections.
struct Shard {
  asio::any_io_executor executor;
  bool on_state;
};

struct Server::Impl {
  Impl(asio::any_io_executor state, ServerSettings s, const Router& r, async::TaskGroup& g,
       std::vector<asio::any_io_executor> others)
      : executor(state),
        acceptor(state),
        backoff(state),
        settings(std::move(s)),
        router(r),
        group(g) {
    shards.push_back({state, true});
    for (auto& ex : others) shards.push_back({ex, false});
  }

  std::size_t sessions() const { return open.load(std::memory_order_relaxed); }

  asio::any_io_executor executor;
  tcp::acceptor acceptor;
  asio::steady_timer backoff;  // the pause after a failed accept (cancelled by a stop)
  ServerSettings settings;
  const Router& router;
  async::TaskGroup& group;
  std::vector<Shard> shards;
  std::size_t next_shard = 0;
  bool accepting = true;
  // Connections accepted and not yet closed: counted by the accept loop before the session
  // starts on its thread, so the cap holds however fast connections arrive.
  std::atomic<std::size_t> open{0};
};

Server::Server(asio::any_io_executor state, ServerSettings settings, const Router& router,
               async::TaskGroup& group, std::vector<asio::any_io_executor> session_executors)
    : impl_(std::make_shared<Impl>(state, std::move(settings), router, group,
                                   std::move(session_executors))) {}

Server::~Server() = default;

boost::system::error_code Server::listen() {
  boost::system::error_code ec;
  auto& a = impl_->acceptor;
  a.open(impl_->settings.endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(impl_->settings.endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

tcp::endpoint Server::local_endpoint() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec);
}

namespace {

// Past the connection cap a client gets a short 503 and the connection is closed, so the
// connections already served keep their share of the machine. Retry-After as for long-polls
// past their cap (api::kRetryAfterCapacity): places free up within seconds.
asio::awaitable<void> refuse(tcp::socket socket) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Cache-Control: no-store\r\nRetry-After: 2\r\n"
      "Connection: close\r\nContent-Length: 70\r\n\r\n"
      "{\"error\":\"overloaded\",\"message\":\"too many connections, retry shortly\"}";
  socket.non_blocking(true);
  boost::system::error_code ec;
  socket.write_some(asio::buffer(kBusy), ec);  // best effort, never waits
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  co_return;
}

// Failed accepts (EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection stays queued, so an
// immediate retry fails again) pause the accept loop, 10 ms doubling up to 1 s, reset by a
// success, as nginx does; the connections already open are served meanwhile. One log line per
// second at most, with the count, instead of one per failure.
class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{10}, kMost{1000};
  std::chrono::milliseconds failed(const boost::system::error_code& ec) {
    ++unlogged_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_log_ >= std::chrono::seconds(1)) {
      spdlog::warn("accept failed {} times: {}; pausing accepts up to {} ms", unlogged_,
                   ec.message(), kMost.count());
      unlogged_ = 0;
      last_log_ = now;
    }
    delay_ = delay_.count() == 0 ? kFirst : std::min(delay_ * 2, kMost);
    return delay_;
  }
  void succeeded() { delay_ = {}; }

 private:
  std::chrono::milliseconds delay_{0};
  std::uint64_t unlogged_ = 0;
  std::chrono::steady_clock::time_point last_log_{};
};

}  // namespace

asio::awaitable<void> Server::run() {
  auto impl = impl_;  // keeps the state alive while sessions run
  AcceptBackoff backoff;
  while (impl->accepting) {
    const Shard& shard = impl->shards[impl->next_shard];
    // The socket belongs to its shard's thread from the start.
    auto [ec, socket] =
        co_await impl->acceptor.async_accept(shard.executor, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (!impl->accepting || ec == asio::error::operation_aborted) break;
      if (impl->settings.on_accept_failure) impl->settings.on_accept_failure();
      impl->backoff.expires_after(backoff.failed(ec));
      co_await impl->backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    backoff.succeeded();
    if (impl->sessions() >= impl->settings.max_connections) {
      if (impl->settings.on_refused) impl->settings.on_refused();
      co_await refuse(std::move(socket));
      continue;
    }
    impl->next_shard = (impl->next_shard + 1) % impl->shards.size();
    SessionPlace place{impl->executor, shard.on_state};
    impl->open.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(
        shard.executor,
        run_session(std::move(socket), impl->settings, impl->router, impl->group, place, impl),
        [impl](std::exception_ptr e) {
          impl->open.fetch_sub(1, std::memory_order_relaxed);
          if (e) spdlog::error("a connection ended with an exception");
        });
  }
}

void Server::stop_accepting() {
  impl_->accepting = false;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  impl_->backoff.cancel();
}

std::size_t Server::sessions() const { return impl_->sessions(); }

}  // namespace streampulse::http
