#include "streampulse/net/http_client.hpp"

#include "streampulse/core/error.hpp"

#include <sys/socket.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <list>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace streampulse::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using boost::system::error_code;
using boost::system::result;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

struct Target {
  std::string host;  // name or address, no brackets
  std::uint16_t port = 80;
  std::string host_header;  // as written in the URL
  std::string path;         // origin-form request target
  std::string pool_key;     // scheme://host:port
};

error_code parse_target(std::string_view url, Target& t) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->encoded_host().empty()) return make_error_code(errc::invalid_argument);
  // TODO(https): accept scheme::https with a beast::ssl_stream<tcp_stream> connection (SNI and
  // peer verification against the system CA bundle); only Connection::stream would change.
  if (u->scheme_id() != boost::urls::scheme::http) return make_error_code(errc::invalid_argument);
  t.host = u->host_address();
  if (u->has_port()) {
    t.port = u->port_number();
    if (t.port == 0) return make_error_code(errc::invalid_argument);
  }
  t.host_header = u->encoded_host_and_port();
  t.path = u->encoded_target();
  if (t.path.empty() || t.path.front() != '/') t.path.insert(0, "/");
  t.pool_key = "http://" + t.host + ":" + std::to_string(t.port);
  return {};
}

bool idempotent(bhttp::verb v) {
  using bhttp::verb;
  return v == verb::get || v == verb::head || v == verb::put || v == verb::delete_ ||
         v == verb::options || v == verb::trace;
}

// What a peer closing an idle keep-alive connection looks like from our side.
bool closed_by_peer(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

error_code map_error(const error_code& ec) {
  if (ec == beast::error::timeout) return make_error_code(errc::deadline_exceeded);
  if (ec == bhttp::error::body_limit) return make_error_code(errc::payload_too_large);
  return ec;
}

struct Connection {
  explicit Connection(const asio::any_io_executor& ex) : stream(ex) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};
};

struct Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  std::unique_ptr<Connection> conn;  // an idle connection handed over
  bool slot = false;                 // or the right to open a new one
  bool queued = true;                // still in HostPool::waiters
};

struct HostPool {
  std::vector<std::unique_ptr<Connection>> idle;  // back() = most recently used
  std::size_t open = 0;                           // idle + leased + being opened
  std::list<Waiter*> waiters;
};

}  // namespace

struct HttpClient::Impl {
  asio::any_io_executor ex;
  HttpClientOptions opts;
  std::unordered_map<std::string, HostPool> pools;  // node-based: HostPool& stays valid
  std::unordered_set<Connection*> leased;
  bool closed = false;

  static Waiter* pop_waiter(HostPool& pool) {
    Waiter* w = pool.waiters.front();
    pool.waiters.pop_front();
    w->queued = false;
    w->timer.cancel();
    return w;
  }

  // Gives up one slot of `pool`: to the first waiter if any, else back to the count.
  void release_slot(HostPool& pool) {
    if (!pool.waiters.empty() && !closed) {
      pop_waiter(pool)->slot = true;
    } else {
      --pool.open;
    }
  }

  void release(HostPool& pool, std::unique_ptr<Connection> c, bool reusable) {
    if (c) leased.erase(c.get());
    if (c && reusable && !closed && c->stream.socket().is_open()) {
      c->stream.expires_never();
      c->idle_since = Clock::now();
      if (!pool.waiters.empty()) {
        pop_waiter(pool)->conn = std::move(c);
      } else {
        pool.idle.push_back(std::move(c));
      }
      return;
    }
    if (c) c->stream.close();
    release_slot(pool);
  }

  // An idle connection is usable if it is recent and the server has not closed it: a
  // non-blocking peek sees EAGAIN on a live connection, 0 (EOF) or an error on a dead one.
  bool usable(Connection& c) const {
    auto& s = c.stream.socket();
    if (!s.is_open() || Clock::now() - c.idle_since > opts.idle_timeout) return false;
    char byte = 0;
    const auto n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

namespace {

using Impl = HttpClient::Impl;

// One pool slot held by a request: with a connection, or reserved while one is being opened.
// The destructor gives it back on every path, exceptions from cancellation included.
class Lease {
 public:
  Lease(Impl& impl, HostPool& pool) : impl_(impl), pool_(pool) {}
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() {
    if (held_) impl_.release(pool_, std::move(conn_), reusable_);
  }

  // Takes the slot, with `idle` if the server has not closed it meanwhile.
  void hold(std::unique_ptr<Connection> idle) {
    held_ = true;
    if (idle && impl_.usable(*idle)) {
      adopt(std::move(idle));
      reused_ = true;
    } else if (idle) {
      idle->stream.close();  // dead: its slot is ours for a new connection
    }
  }
  Connection* conn() const { return conn_.get(); }
  bool reused() const { return reused_; }
  void set_reusable(bool r) { reusable_ = r; }
  void adopt(std::unique_ptr<Connection> c) {
    conn_ = std::move(c);
    impl_.leased.insert(conn_.get());
  }
  // Closes the connection but keeps the slot, for a retry on a fresh connection.
  void drop_connection() {
    impl_.leased.erase(conn_.get());
    conn_->stream.close();
    conn_.reset();
    reused_ = false;
  }

 private:
  Impl& impl_;
  HostPool& pool_;
  std::unique_ptr<Connection> conn_;
  bool held_ = false;
  bool reused_ = false;
  bool reusable_ = false;
};

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
  co_await w.timer.async_wait(use_tuple);
  if (!w.conn && !w.slot) {
    co_return make_error_code(impl.closed ? errc::unavailable : errc::deadline_exceeded);
  }
  w.slot = false;
  lease.hold(std::move(w.conn));
  co_return error_code{};
}

asio::awaitable<error_code> connect(Impl& impl, Connection& c, const Target& t,
                                    Clock::time_point deadline) {
  const auto connect_deadline = std::min(deadline, Clock::now() + impl.opts.connect_timeout);
  error_code ec;
  const auto address = asio::ip::make_address(t.host, ec);
  if (!ec) {  // numeric host: no resolver round trip
    c.stream.expires_at(connect_deadline);
    auto [cec] = co_await c.stream.async_connect({address, t.port}, use_tuple);
    co_return map_error(cec);
  }
  using namespace asio::experimental::awaitable_operators;
  asio::ip::tcp::resolver resolver(impl.ex);
  asio::steady_timer timer(impl.ex, connect_deadline);
  auto resolved = co_await (resolver.async_resolve(t.host, std::to_string(t.port), use_tuple) ||
                            timer.async_wait(use_tuple));
  if (resolved.index() == 1) co_return make_error_code(errc::deadline_exceeded);
  auto [rec, endpoints] = std::get<0>(std::move(resolved));
  if (rec) co_return rec;
  c.stream.expires_at(connect_deadline);
  auto [cec, ep] = co_await c.stream.async_connect(endpoints, use_tuple);
  co_return map_error(cec);
}

// Holds the Impl by shared_ptr so that a request still suspended when the client is destroyed
// (its frame destroyed later with the io_context) does not touch freed memory.
asio::awaitable<result<Response>> do_request(std::shared_ptr<Impl> self, Request req) {
  Impl& impl = *self;
  const auto deadline = Clock::now() + req.timeout.value_or(impl.opts.request_timeout);
  Target target;
  if (auto ec = parse_target(req.url, target)) co_return ec;
  if (impl.closed) co_return make_error_code(errc::unavailable);

  bhttp::request<bhttp::string_body> msg{req.method, target.path, 11};
  msg.set(bhttp::field::host, target.host_header);
  msg.set(bhttp::field::user_agent, "streampulse/" STREAMPULSE_VERSION);
  for (const auto& h : req.headers) msg.erase(h.name_string());  // caller's headers win
  for (const auto& h : req.headers) msg.insert(h.name_string(), h.value());
  msg.body() = std::move(req.body);
  msg.prepare_payload();

  HostPool& pool = impl.pools[target.pool_key];
  Lease lease(impl, pool);
  if (auto ec = co_await acquire(impl, pool, lease, deadline)) co_return ec;

  for (bool retried = false;; retried = true) {
    if (!lease.conn()) {
      lease.adopt(std::make_unique<Connection>(impl.ex));  // leased, so shutdown() reaches it
      if (auto ec = co_await connect(impl, *lease.conn(), target, deadline)) co_return ec;
    }
    Connection& c = *lease.conn();
    c.stream.expires_at(deadline);
    auto [wec, nwritten] = co_await bhttp::async_write(c.stream, msg, use_tuple);
    if (wec) {
      // A failed write never delivered a whole request: safe to retry whatever the method.
      if (lease.reused() && !retried && closed_by_peer(wec)) {
        lease.drop_connection();
        continue;
      }
      co_return map_error(wec);
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(impl.opts.max_response_body);
    if (req.method == bhttp::verb::head) parser.skip(true);
    auto [rec, nread] = co_await bhttp::async_read(c.stream, c.buffer, parser, use_tuple);
    if (rec) {
      if (lease.reused() && !retried && !parser.got_some() && closed_by_peer(rec) &&
          idempotent(req.method)) {
        lease.drop_connection();
        continue;
      }
      co_return map_error(rec);
    }
    auto res = parser.release();
    lease.set_reusable(res.keep_alive() && msg.keep_alive());
    Response out;
    out.status = res.result_int();
    out.body = std::move(res.body());
    out.headers = std::move(static_cast<bhttp::fields&>(res.base()));
    co_return out;
  }
}

}  // namespace

HttpClient::HttpClient(asio::any_io_executor ex, HttpClientOptions options)
    : impl_(std::make_shared<Impl>()) {
  impl_->ex = std::move(ex);
  impl_->opts = options;
  impl_->opts.max_connections_per_host = std::max<std::size_t>(1, options.max_connections_per_host);
}

HttpClient::~HttpClient() = default;

asio::awaitable<result<Response>> HttpClient::request(Request req) {
  // Errors are values: the only exceptions left are cancellation of the calling coroutine
  // (thrown by asio at the next co_await) and allocation failure.
  try {
    co_return co_await do_request(impl_, std::move(req));
  } catch (const boost::system::system_error& e) {
    co_return e.code();
  } catch (const std::exception&) {
    co_return make_error_code(errc::internal);
  }
}

void HttpClient::shutdown() {
  impl_->closed = true;
  for (auto& [key, pool] : impl_->pools) {
    for (auto& c : pool.idle) c->stream.close();
    pool.open -= pool.idle.size();
    pool.idle.clear();
    while (!pool.waiters.empty()) Impl::pop_waiter(pool);
  }
  for (Connection* c : impl_->leased) c->stream.cancel();
}

}  // namespace streampulse::net
