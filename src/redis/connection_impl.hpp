#pragma once
// redis::Connection's insides (Call, Session, Connection::Impl), private to src/redis.
//
// connection.cpp: the public side and the queue of calls; connection_connect.cpp: connecting and
// the handshake; connection_session.cpp: the writer, the reader, the watchdogs, reconnection.
//
// redis::Connection: one socket (TCP, TLS over TCP, or a Unix socket), a FIFO of calls, a writer
// coroutine that sends everything queued in one write (auto-pipelining), a reader coroutine
// that hands each reply to the oldest written call, a watchdog for a stuck server, and a
// reconnect loop with backoff. Everything runs on the connection's executor; exec() hops there.
//
// Where it connects: the URL's address; or, for redis+sentinel://, the primary the Sentinels name
// (asked again at every reconnection, checked with ROLE, and watched while connected); or the
// address of a Cluster's MOVED reply. A reply that says the server is not (or no longer) the
// right one (READONLY with Sentinel, MOVED) drains the connection: nothing more is written, the
// replies of what was written are read, then it is closed and the reconnection goes where it
// should (sentinel.cpp).
//
// hiredis 0.14's async API has no TLS, no timeouts and resolves names blocking, so only its
// reader is used (reply_reader.cpp) and the I/O is Asio's (docs/redis.md).
#include "reply_reader.hpp"
#include "sentinel.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/redis/client.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>

namespace streampulse::redis {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;
using Clock = std::chrono::steady_clock;
using CallResult = boost::system::result<std::vector<Reply>, CallError>;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace detail {

// One exec(): its encoded commands, the replies gathered so far, and the timer its caller
// waits on (cancelled when the call completes, expiring at its deadline).
struct Call {
  enum class State { queued, written, done };
  Call(const asio::any_io_executor& ex, Clock::time_point deadline) : timer(ex, deadline) {}
  std::string bytes;
  std::size_t commands = 0;
  std::size_t received = 0;  // replies read so far
  std::chrono::milliseconds budget{};
  Clock::time_point written_at{};
  State state = State::queued;
  bool abandoned = false;  // written, then its deadline passed: late replies are dropped
  std::vector<Reply> replies;
  std::optional<CallResult> result;
  asio::steady_timer timer;
};

// One connection attempt and, once connected, the session on it. Closing it ends every
// operation on it (resolve, connect, handshake, read, write).
struct Session {
  explicit Session(const asio::any_io_executor& ex)
      : resolver(ex), wake(ex), watch(ex), sentinel_tick(ex) {}
  tcp::resolver resolver;
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  std::optional<unix_socket::socket> local;
  asio::steady_timer wake;           // the writer waits on it while nothing is queued
  asio::steady_timer watch;          // the watchdog's tick
  asio::steady_timer sentinel_tick;  // redis+sentinel://: the next check of the primary
  Url::HostPort peer;                // the address connected to (tcp, tls, sentinel)
  bool open = true;
  bool timed_out = false;    // the connect deadline closed it
  bool draining = false;     // nothing more is written; closed once the written calls are answered
  std::string close_reason;  // why the session was closed from our side

  void close(std::string_view reason = {}) {
    if (close_reason.empty()) close_reason = reason;
    open = false;
    resolver.cancel();
    error_code ec;
    if (plain) plain->close(ec);
    if (tls) tls->lowest_layer().close(ec);
    if (local) local->close(ec);
    wake.cancel();
    watch.cancel();
    sentinel_tick.cancel();
  }

  template <class Buffers>
  asio::awaitable<error_code> write(const Buffers& buffers) {
    if (tls) {
      auto [ec, n] = co_await asio::async_write(*tls, buffers, use_tuple);
      co_return ec;
    }
    if (local) {
      auto [ec, n] = co_await asio::async_write(*local, buffers, use_tuple);
      co_return ec;
    }
    auto [ec, n] = co_await asio::async_write(*plain, buffers, use_tuple);
    co_return ec;
  }

  asio::awaitable<std::pair<error_code, std::size_t>> read_some(asio::mutable_buffer buffer) {
    if (tls) {
      auto [ec, n] = co_await tls->async_read_some(buffer, use_tuple);
      co_return std::pair{ec, n};
    }
    if (local) {
      auto [ec, n] = co_await local->async_read_some(buffer, use_tuple);
      co_return std::pair{ec, n};
    }
    auto [ec, n] = co_await plain->async_read_some(buffer, use_tuple);
    co_return std::pair{ec, n};
  }
};

inline CallResult failure(errc code, bool maybe_executed) {
  return CallError{make_error_code(code), maybe_executed};
}

inline std::string reply_text(const Reply& r) {
  return r.str.empty() ? std::string("(no message)") : r.str;
}

}  // namespace detail

using detail::Call;
using detail::failure;
using detail::reply_text;
using detail::Session;

struct Connection::Impl : std::enable_shared_from_this<Connection::Impl> {
  Impl(asio::any_io_executor e, Options o)
      : ex(std::move(e)), opts(std::move(o)), backoff_timer(ex), rng(std::random_device{}()) {}

  asio::any_io_executor ex;
  Options opts;
  std::string name;  // the redacted URL, for logs

  // Any thread.
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::atomic<bool> connected_now{false};
  std::atomic<std::uint64_t> reconnects{0};
  std::atomic<std::uint64_t> refused_full{0};
  std::atomic<std::size_t> pending_now{0};

  // The executor only.
  std::deque<std::shared_ptr<Call>> queued;    // not written yet, oldest first
  std::deque<std::shared_ptr<Call>> inflight;  // written, awaiting replies, oldest first
  std::size_t pending_commands = 0;
  std::size_t pending_bytes = 0;
  std::shared_ptr<Session> session;  // the current attempt or connection
  bool ever_connected = false;
  bool outage_logged = false;
  asio::steady_timer backoff_timer;
  std::minstd_rand rng;
  std::unique_ptr<ssl::context> tls_ctx;
  error_code tls_ctx_error;
  // redis+sentinel://: the Sentinels, the one that answered last first; the primary they named.
  std::vector<Url::HostPort> sentinels;
  Url::HostPort primary;
  // A Cluster's MOVED: where to connect instead of the URL's address, until that fails.
  std::optional<Url::HostPort> redirect;

  // ---- the queue of calls (connection.cpp) ------------------------------------------------

  void account(const Call& c, bool add);
  static void complete(Call& c, CallResult r);
  // Every written call fails (the connection it was written on is gone); abandoned slots go.
  void fail_inflight(errc code);
  void fail_queued(errc code);
  void wake_writer();
  void do_stop();
  static asio::awaitable<CallResult> call(std::shared_ptr<Impl> self, std::vector<Command> commands,
                                          std::chrono::milliseconds budget,
                                          Clock::time_point deadline);

  // ---- connecting (connection_connect.cpp) ------------------------------------------------

  error_code make_tls_context();
  static asio::awaitable<error_code> tls_handshake(ssl::stream<tcp::socket>& stream,
                                                   const std::string& host);
  // The commands every (re)connection starts with: AUTH, SELECT, CLIENT SETNAME, and a PING
  // that proves the server answers (a stopped server still accepts connections).
  std::vector<Command> handshake_commands() const;
  // Resolve, connect, TLS, handshake: all within connect_timeout. On success `reader` holds
  // whatever the server sent after the handshake's replies (nothing, in RESP2).
  asio::awaitable<std::pair<error_code, std::string>> connect(std::shared_ptr<Session> s,
                                                              detail::ReplyReader& reader);

  // ---- the session (connection_session.cpp) -----------------------------------------------

  // Writes nothing more on `s`; closes it now if nothing written awaits a reply, else the
  // reader closes it after the last one (a call written there still gets its reply).
  void drain(Session& s, std::string reason);
  // A reply that says the server is not the one to talk to: READONLY from a demoted primary
  // (Sentinel), MOVED from a Cluster node that does not hold the slot. The command did not run.
  void check_redirection(Session& s, const Reply& r);
  static asio::awaitable<void> writer(std::shared_ptr<Impl> self, std::shared_ptr<Session> s);
  // Closes the session when the oldest written call has waited twice its budget.
  static asio::awaitable<void> watchdog(std::shared_ptr<Impl> self, std::shared_ptr<Session> s);
  // redis+sentinel://: asks the Sentinels again while connected; drains when they name another.
  static asio::awaitable<void> sentinel_watch(std::shared_ptr<Impl> self,
                                              std::shared_ptr<Session> s);
  // Hands replies to the oldest written call; returns why the session ended.
  asio::awaitable<std::string> read_replies(std::shared_ptr<Session> s,
                                            detail::ReplyReader& reader);
  // Connects, runs a session, reconnects with backoff, until stopped.
  static asio::awaitable<void> run(std::shared_ptr<Impl> self);
  static void log_exception(std::exception_ptr e);
  std::chrono::milliseconds backoff(unsigned attempt);
};

}  // namespace streampulse::redis
