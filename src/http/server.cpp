#include "streampulse/http/server.hpp"

#include "session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace streampulse::http {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Server::Impl : SessionRegistry {
  Impl(asio::any_io_executor ex, ServerSettings s, const Router& r)
      : executor(ex), acceptor(ex), settings(std::move(s)), router(r) {}

  asio::any_io_executor executor;
  tcp::acceptor acceptor;
  ServerSettings settings;
  const Router& router;
  bool accepting = true;
};

Server::Server(asio::any_io_executor executor, ServerSettings settings, const Router& router)
    : impl_(std::make_shared<Impl>(executor, std::move(settings), router)) {}

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
// connections already served keep their share of the machine.
asio::awaitable<void> refuse(tcp::socket socket) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: 70\r\n\r\n"
      "{\"error\":\"overloaded\",\"message\":\"too many connections, retry shortly\"}";
  socket.non_blocking(true);
  boost::system::error_code ec;
  socket.write_some(asio::buffer(kBusy), ec);  // best effort, never waits
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  co_return;
}

}  // namespace

asio::awaitable<void> Server::run() {
  auto impl = impl_;  // keeps the state alive while sessions run
  while (impl->accepting) {
    auto [ec, socket] = co_await impl->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (!impl->accepting || ec == asio::error::operation_aborted) break;
      spdlog::warn("accept failed: {}", ec.message());
      continue;  // EMFILE and friends: keep serving those already connected
    }
    if (impl->size() >= impl->settings.max_connections) {
      co_await refuse(std::move(socket));
      continue;
    }
    asio::co_spawn(impl->executor,
                   run_session(std::move(socket), impl->settings, impl->router, *impl, impl),
                   asio::detached);
  }
}

void Server::stop_accepting() {
  impl_->accepting = false;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

void Server::close_idle() { impl_->close_idle(); }

void Server::close_all() { impl_->close_all(); }

std::size_t Server::sessions() const { return impl_->size(); }

}  // namespace streampulse::http
