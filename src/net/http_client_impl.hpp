#pragma once
// HttpClient's insides, shared by http_client.cpp (pool, requests) and http_client_tls.cpp
// (OpenSSL context, handshake). Private to src/net.
#include "streampulse/net/http_client.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace streampulse::net::detail {

using Clock = std::chrono::steady_clock;

struct Target {
  bool tls = false;  // https
  std::string host;  // name or address, no brackets
  std::uint16_t port = 80;
  std::string host_header;  // as written in the URL
  std::string path;         // origin-form request target
  std::string pool_key;     // scheme://host:port
};

// One keep-alive connection: plain TCP, or TLS over TCP. Either way tcp() is the layer that
// carries the deadline, and closing it closes the connection.
struct Connection {
  Connection(const boost::asio::any_io_executor& ex, boost::asio::ssl::context* tls_ctx) {
    if (tls_ctx) {
      tls.emplace(ex, *tls_ctx);
    } else {
      plain.emplace(ex);
    }
  }
  boost::beast::tcp_stream& tcp() { return tls ? tls->next_layer() : *plain; }
  std::optional<boost::beast::tcp_stream> plain;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls;
  boost::beast::flat_buffer buffer;
  Clock::time_point idle_since{};
};

struct Waiter {
  explicit Waiter(const boost::asio::any_io_executor& ex) : timer(ex) {}
  boost::asio::steady_timer timer;
  std::unique_ptr<Connection> conn;  // an idle connection handed over
  bool slot = false;                 // or the right to open a new one
  bool queued = true;                // still in HostPool::waiters
};

struct HostPool {
  std::vector<std::unique_ptr<Connection>> idle;  // back() = most recently used
  std::size_t open = 0;                           // idle + leased + being opened
  std::list<Waiter*> waiters;
};

// The client's OpenSSL context, made once from the options: TLS 1.2 minimum, the system CA
// store plus `extra_ca_file`, peer verification unless insecure_skip_verify_for_tests.
// Never throws: a failure (unreadable CA file...) comes back as the error.
boost::system::result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(
    const HttpClientOptions& opts);

// The TLS handshake on a connected `c`: SNI (names only, as RFC 6066 says) and the certificate
// checked against `host`, by the deadline already set on c.tcp(). A certificate that fails
// verification comes back as a tls_verify_category() error.
boost::asio::awaitable<boost::system::error_code> tls_handshake(Connection& c,
                                                                const std::string& host,
                                                                bool verify);

}  // namespace streampulse::net::detail

namespace streampulse::net {

struct HttpClient::Impl {
  boost::asio::any_io_executor ex;
  HttpClientOptions opts;
  std::unordered_map<std::string, detail::HostPool> pools;  // node-based: HostPool& stays valid
  std::unordered_set<detail::Connection*> leased;
  bool closed = false;
  // https: made at the first https request (plain-http clients never load the CA store).
  std::unique_ptr<boost::asio::ssl::context> tls_ctx;
  boost::system::error_code tls_ctx_error;
  bool tls_ctx_tried = false;

  // The shared TLS context, or why there is none.
  boost::system::result<boost::asio::ssl::context*> tls_context();

  static detail::Waiter* pop_waiter(detail::HostPool& pool);
  // Gives up one slot of `pool`: to the first waiter if any, else back to the count.
  void release_slot(detail::HostPool& pool);
  void release(detail::HostPool& pool, std::unique_ptr<detail::Connection> c, bool reusable);
  // An idle connection is usable if it is recent and the server has not closed it.
  bool usable(detail::Connection& c) const;
};

}  // namespace streampulse::net

namespace streampulse::net::detail {

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
      idle->tcp().close();  // dead: its slot is ours for a new connection
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
    conn_->tcp().close();
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

// Takes a slot of `pool` into `lease`: an idle connection, room for a new one, or a wait for
// either until `deadline` (deadline_exceeded) or shutdown() (unavailable).
boost::asio::awaitable<boost::system::error_code> acquire(Impl& impl, HostPool& pool, Lease& lease,
                                                          Clock::time_point deadline);

}  // namespace streampulse::net::detail
