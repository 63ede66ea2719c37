#include "streampulse/net/http_client.hpp"

#include "http_client_impl.hpp"
#include "streampulse/core/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <exception>
#include <utility>

namespace streampulse::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using boost::system::error_code;
using boost::system::result;
using detail::Clock;
using detail::Connection;
using detail::HostPool;
using detail::Impl;
using detail::Lease;
using detail::Target;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Message = bhttp::request<bhttp::string_body>;
using Parser = bhttp::response_parser<bhttp::string_body>;

namespace {

error_code parse_target(std::string_view url, Target& t) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->encoded_host().empty()) return make_error_code(errc::invalid_argument);
  const auto scheme = u->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
    return make_error_code(errc::invalid_argument);
  }
  t.tls = scheme == boost::urls::scheme::https;
  if (t.tls) t.port = 443;
  t.host = u->host_address();
  if (u->has_port()) {
    t.port = u->port_number();
    if (t.port == 0) return make_error_code(errc::invalid_argument);
  }
  t.host_header = u->encoded_host_and_port();
  t.path = u->encoded_target();
  if (t.path.empty() || t.path.front() != '/') t.path.insert(0, "/");
  t.pool_key = (t.tls ? "https://" : "http://") + t.host + ":" + std::to_string(t.port);
  return {};
}

bool idempotent(bhttp::verb v) {
  using bhttp::verb;
  return v == verb::get || v == verb::head || v == verb::put || v == verb::delete_ ||
         v == verb::options || v == verb::trace;
}

// What a peer closing an idle keep-alive connection looks like from our side (over TLS, a TCP
// close without close_notify reads as stream_truncated).
bool closed_by_peer(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::ssl::error::stream_truncated;
}

error_code map_error(const error_code& ec) {
  if (ec == beast::error::timeout) return make_error_code(errc::deadline_exceeded);
  if (ec == bhttp::error::body_limit) return make_error_code(errc::payload_too_large);
  return ec;
}

// Resolve and TCP connect, by `connect_deadline`.
asio::awaitable<error_code> connect_tcp(Impl& impl, Connection& c, const Target& t,
                                        Clock::time_point connect_deadline) {
  error_code ec;
  const auto address = asio::ip::make_address(t.host, ec);
  if (!ec) {  // numeric host: no resolver round trip
    c.tcp().expires_at(connect_deadline);
    auto [cec] = co_await c.tcp().async_connect({address, t.port}, use_tuple);
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
  c.tcp().expires_at(connect_deadline);
  auto [cec, ep] = co_await c.tcp().async_connect(endpoints, use_tuple);
  co_return map_error(cec);
}

// Resolve, connect and (https) the TLS handshake: all by the connect deadline.
asio::awaitable<error_code> connect(Impl& impl, Connection& c, const Target& t,
                                    Clock::time_point deadline) {
  const auto connect_deadline = std::min(deadline, Clock::now() + impl.opts.connect_timeout);
  if (auto ec = co_await connect_tcp(impl, c, t, connect_deadline)) co_return ec;
  if (!c.tls) co_return error_code{};
  c.tcp().expires_at(connect_deadline);
  const bool verify = !impl.opts.insecure_skip_verify_for_tests;
  const auto hec = co_await detail::tls_handshake(c, t.host, verify);
  co_return map_error(hec);
}

// Plain or TLS: the same HTTP exchange over either stream (no co_await inside ?:).
asio::awaitable<error_code> write_request(Connection& c, Message& msg) {
  if (c.tls) {
    auto [ec, n] = co_await bhttp::async_write(*c.tls, msg, use_tuple);
    co_return ec;
  }
  auto [ec, n] = co_await bhttp::async_write(*c.plain, msg, use_tuple);
  co_return ec;
}

asio::awaitable<error_code> read_response(Connection& c, Parser& parser) {
  if (c.tls) {
    auto [ec, n] = co_await bhttp::async_read(*c.tls, c.buffer, parser, use_tuple);
    co_return ec;
  }
  auto [ec, n] = co_await bhttp::async_read(*c.plain, c.buffer, parser, use_tuple);
  co_return ec;
}

// Holds the Impl by shared_ptr so that a request still suspended when the client is destroyed
// (its frame destroyed later with the io_context) does not touch freed memory.
asio::awaitable<result<Response>> do_request(std::shared_ptr<Impl> self, Request req) {
  Impl& impl = *self;
  const auto deadline = Clock::now() + req.timeout.value_or(impl.opts.request_timeout);
  Target target;
  if (auto ec = parse_target(req.url, target)) co_return ec;
  if (impl.closed) co_return make_error_code(errc::unavailable);
  asio::ssl::context* tls_ctx = nullptr;
  if (target.tls) {
    auto ctx = impl.tls_context();
    if (!ctx) co_return ctx.error();
    tls_ctx = *ctx;
  }

  Message msg{req.method, target.path, 11};
  msg.set(bhttp::field::host, target.host_header);
  msg.set(bhttp::field::user_agent, "streampulse/" STREAMPULSE_VERSION);
  for (const auto& h : req.headers) msg.erase(h.name_string());  // caller's headers win
  for (const auto& h : req.headers) msg.insert(h.name_string(), h.value());
  msg.body() = std::move(req.body);
  msg.prepare_payload();

  HostPool& pool = impl.pools[target.pool_key];
  Lease lease(impl, pool);
  if (auto ec = co_await detail::acquire(impl, pool, lease, deadline)) co_return ec;

  for (bool retried = false;; retried = true) {
    if (!lease.conn()) {
      // Leased, so shutdown() reaches it.
      lease.adopt(std::make_unique<Connection>(impl.ex, tls_ctx));
      if (auto ec = co_await connect(impl, *lease.conn(), target, deadline)) co_return ec;
    }
    Connection& c = *lease.conn();
    c.tcp().expires_at(deadline);
    const auto wec = co_await write_request(c, msg);
    if (wec) {
      // A failed write never delivered a whole request: safe to retry whatever the method.
      if (lease.reused() && !retried && closed_by_peer(wec)) {
        lease.drop_connection();
        continue;
      }
      co_return map_error(wec);
    }
    Parser parser;
    parser.body_limit(impl.opts.max_response_body);
    if (req.method == bhttp::verb::head) parser.skip(true);
    const auto rec = co_await read_response(c, parser);
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
    for (auto& c : pool.idle) c->tcp().close();
    pool.open -= pool.idle.size();
    pool.idle.clear();
    while (!pool.waiters.empty()) Impl::pop_waiter(pool);
  }
  for (Connection* c : impl_->leased) c->tcp().cancel();
}

}  // namespace streampulse::net
