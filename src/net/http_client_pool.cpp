// HttpClient's connection pool: idle connections, slots, and requests waiting for one.
#include "http_client_impl.hpp"

#include "streampulse/core/error.hpp"

#include <sys/socket.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <iterator>
#include <utility>

namespace streampulse::net {

namespace asio = boost::asio;
using boost::system::error_code;
using detail::Clock;
using detail::Connection;
using detail::HostPool;
using detail::Waiter;

Waiter* HttpClient::Impl::pop_waiter(HostPool& pool) {
  Waiter* w = pool.waiters.front();
  pool.waiters.pop_front();
  w->queued = false;
  w->timer.cancel();
  return w;
}

void HttpClient::Impl::release_slot(HostPool& pool) {
  if (!pool.waiters.empty() && !closed) {
    pop_waiter(pool)->slot = true;
  } else {
    --pool.open;
  }
}

void HttpClient::Impl::release(HostPool& pool, std::unique_ptr<Connection> c, bool reusable) {
  if (c) leased.erase(c.get());
  if (c && reusable && !closed && c->tcp().socket().is_open()) {
    c->tcp().expires_never();
    c->idle_since = Clock::now();
    if (!pool.waiters.empty()) {
      pop_waiter(pool)->conn = std::move(c);
    } else {
      pool.idle.push_back(std::move(c));
    }
    return;
  }
  // No TLS close_notify: the connection is dead, broken, timed out, or the server said
  // "Connection: close"; HTTP/1.1 framing does not need it, and waiting for it would hold the
  // slot (or block, from here).
  if (c) c->tcp().close();
  release_slot(pool);
}

// A non-blocking peek sees EAGAIN on a live connection, 0 (EOF) or an error on a dead one. On
// TLS, a close_notify (or anything else unasked for) also counts as dead.
bool HttpClient::Impl::usable(Connection& c) const {
  auto& s = c.tcp().socket();
  if (!s.is_open() || Clock::now() - c.idle_since > opts.idle_timeout) return false;
  char byte = 0;
  const auto n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

namespace detail {

asio::awaitable<error_code> acquire(Impl& impl, HostPool& pool, Lease& lease,
                                    Clock::time_point deadline) {
  if (!pool.idle.empty()) {
    auto c = std::move(pool.idle.back());
    pool.idle.pop_back();
    lease.hold(std::move(c));
    co_return error_code{};
  }
  if (pool.open < impl.opts.max_connections_per_host) {
    ++pool.open;
    lease.hold(nullptr);
    co_return error_code{};
  }
  Waiter w(impl.ex);
  w.timer.expires_at(deadline);
  pool.waiters.push_back(&w);
  struct Unqueue {  // on every exit, also when the wait throws on cancellation
    Impl& impl;
    HostPool& pool;
    Waiter& w;
    std::list<Waiter*>::iterator it;
    ~Unqueue() {
      if (w.queued) pool.waiters.erase(it);
      if (w.conn) impl.release(pool, std::move(w.conn), true);
      if (w.slot) impl.release_slot(pool);
    }
  } unqueue{impl, pool, w, std::prev(pool.waiters.end())};
  co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!w.conn && !w.slot) {
    co_return make_error_code(impl.closed ? errc::unavailable : errc::deadline_exceeded);
  }
  w.slot = false;
  lease.hold(std::move(w.conn));
  co_return error_code{};
}

}  // namespace detail
}  // namespace streampulse::net
