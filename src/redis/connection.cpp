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
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
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
constexpr auto kMinStuck = std::chrono::milliseconds(250);

namespace {

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

CallResult failure(errc code, bool maybe_executed) {
  return CallError{make_error_code(code), maybe_executed};
}

std::string reply_text(const Reply& r) {
  return r.str.empty() ? std::string("(no message)") : r.str;
}

}  // namespace

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

  void account(const Call& c, bool add) {
    if (add) {
      pending_commands += c.commands;
      pending_bytes += c.bytes.size();
    } else {
      pending_commands -= c.commands;
      pending_bytes -= c.bytes.size();
    }
    pending_now.store(pending_commands, std::memory_order_relaxed);
  }

  static void complete(Call& c, CallResult r) {
    c.state = Call::State::done;
    c.result = std::move(r);
    c.timer.cancel();
  }

  // Every written call fails (the connection it was written on is gone); abandoned slots go.
  void fail_inflight(errc code) {
    auto calls = std::move(inflight);
    inflight.clear();
    for (auto& c : calls) {
      account(*c, false);
      if (!c->abandoned) complete(*c, failure(code, true));
    }
  }

  void fail_queued(errc code) {
    auto calls = std::move(queued);
    queued.clear();
    for (auto& c : calls) {
      if (c->state != Call::State::queued) continue;
      account(*c, false);
      complete(*c, failure(code, false));
    }
  }

  void wake_writer() {
    if (session && session->open) session->wake.cancel();
  }

  // Writes nothing more on `s`; closes it now if nothing written awaits a reply, else the
  // reader closes it after the last one (a call written there still gets its reply).
  void drain(Session& s, std::string reason) {
    if (!s.open || s.draining) return;
    s.draining = true;
    if (s.close_reason.empty()) s.close_reason = std::move(reason);
    if (inflight.empty()) s.close();
  }

  // A reply that says the server is not the one to talk to: READONLY from a demoted primary
  // (Sentinel), MOVED from a Cluster node that does not hold the slot. The command did not run.
  void check_redirection(Session& s, const Reply& r) {
    if (!r.is_error()) return;
    const auto kind = r.error_kind();
    if (kind == "READONLY" && opts.url.kind == Url::Kind::sentinel) {
      drain(s, "READONLY: " + s.peer.text() + " is no longer the primary");
    } else if (kind == "MOVED" &&
               (opts.url.kind == Url::Kind::tcp || opts.url.kind == Url::Kind::tls)) {
      if (auto to = detail::parse_moved(r.str, s.peer.host)) {
        redirect = *to;
        drain(s, "MOVED: the keys are at " + to->text());
      }
    }
  }

  void do_stop() {
    backoff_timer.cancel();
    if (session) session->close();
    session.reset();
    connected_now = false;
    fail_inflight(errc::unavailable);
    fail_queued(errc::unavailable);
  }

  // ---- connecting -------------------------------------------------------------------------

  error_code make_tls_context() {
    try {
      auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
      if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
        return make_error_code(ssl::error::unspecified_system_error);
      }
      ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
      error_code ec;
      ctx->set_default_verify_paths(ec);
      if (ec) return ec;
      if (!opts.extra_ca_file.empty()) {
        ctx->load_verify_file(opts.extra_ca_file, ec);
        if (ec) return ec;
      }
      ctx->set_verify_mode(ssl::verify_peer);
      tls_ctx = std::move(ctx);
      return {};
    } catch (const boost::system::system_error& e) {
      return e.code();
    }
  }

  static asio::awaitable<error_code> tls_handshake(ssl::stream<tcp::socket>& stream,
                                                   const std::string& host) {
    SSL* handle = stream.native_handle();
    error_code ec;
    asio::ip::make_address(host, ec);
    if (ec) {  // a name: SNI (RFC 6066 allows no address literals there)
      if (SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(host.c_str())) != 1) {
        co_return make_error_code(ssl::error::unspecified_system_error);
      }
    }
    SSL_set_hostflags(handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(handle, host.c_str()) != 1) {
      co_return make_error_code(ssl::error::unspecified_system_error);
    }
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    co_return hec;
  }

  // The commands every (re)connection starts with: AUTH, SELECT, CLIENT SETNAME, and a PING
  // that proves the server answers (a stopped server still accepts connections).
  std::vector<Command> handshake_commands() const {
    std::vector<Command> cmds;
    if (!opts.url.password.empty()) {
      if (opts.url.user.empty()) {
        cmds.push_back({"AUTH", opts.url.password});
      } else {
        cmds.push_back({"AUTH", opts.url.user, opts.url.password});
      }
    }
    if (opts.url.db != 0) cmds.push_back({"SELECT", std::to_string(opts.url.db)});
    if (!opts.client_name.empty()) cmds.push_back({"CLIENT", "SETNAME", opts.client_name});
    // Sentinel's answer may be stale (a failover under way): the client spec says check it.
    if (opts.url.kind == Url::Kind::sentinel) cmds.push_back({"ROLE"});
    cmds.push_back({"PING"});
    return cmds;
  }

  // Resolve, connect, TLS, handshake: all within connect_timeout. On success `reader` holds
  // whatever the server sent after the handshake's replies (nothing, in RESP2).
  asio::awaitable<std::pair<error_code, std::string>> connect(std::shared_ptr<Session> s,
                                                              detail::ReplyReader& reader) {
    const Url& url = opts.url;
    s->peer = {url.host, url.port};
    if (redirect) {
      s->peer = *redirect;
    } else if (url.kind == Url::Kind::sentinel) {
      // Before the connect deadline starts: the Sentinels have their own, one each.
      auto answer = co_await detail::ask_sentinels(ex, sentinels, url.master_name,
                                                   url.sentinel_password, opts.sentinel_timeout);
      if (!answer) co_return std::pair{answer.error().code, answer.error().why};
      if (!s->open) co_return std::pair{make_error_code(errc::unavailable), std::string("closed")};
      if (answer->primary != primary) {
        spdlog::info("redis {}: Sentinel {} names {} as the primary", name, answer->sentinel.text(),
                     answer->primary.text());
        primary = answer->primary;
      }
      s->peer = primary;
    }
    asio::steady_timer guard(ex, Clock::now() + opts.connect_timeout);
    guard.async_wait([w = std::weak_ptr<Session>(s)](error_code ec) {
      if (ec) return;
      if (auto locked = w.lock()) {
        locked->timed_out = true;
        locked->close();
      }
    });
    auto fail = [&](error_code ec, std::string why) {
      if (s->timed_out) ec = make_error_code(errc::deadline_exceeded);
      if (redirect) {  // back to the URL's address next time
        why += " (at " + redirect->text() + ", named by MOVED)";
        redirect.reset();
      }
      return std::pair{ec, std::move(why)};
    };
    if (url.kind == Url::Kind::unix_socket) {
      s->local.emplace(ex);
      auto [ec] = co_await s->local->async_connect(unix_socket::endpoint(url.path), use_tuple);
      if (ec) co_return fail(ec, "connect to " + url.path + ": " + ec.message());
    } else {
      if (url.kind == Url::Kind::tls) {
        if (!tls_ctx) {
          if (auto ec = make_tls_context()) co_return fail(ec, "TLS setup: " + ec.message());
        }
        s->tls.emplace(ex, *tls_ctx);
      } else {
        s->plain.emplace(ex);
      }
      auto [rec, endpoints] =
          co_await s->resolver.async_resolve(s->peer.host, std::to_string(s->peer.port), use_tuple);
      if (rec) co_return fail(rec, "resolve " + s->peer.host + ": " + rec.message());
      tcp::socket& socket = s->tls ? s->tls->next_layer() : *s->plain;
      auto [cec, ep] = co_await asio::async_connect(socket, endpoints, use_tuple);
      if (cec) co_return fail(cec, "connect to " + s->peer.text() + ": " + cec.message());
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (s->tls) {
        const auto hec = co_await tls_handshake(*s->tls, s->peer.host);
        if (hec) {
          std::string why = "TLS handshake: " + hec.message();
          const long v = SSL_get_verify_result(s->tls->native_handle());
          if (v != X509_V_OK) {
            why = std::string("TLS certificate verification failed: ") +
                  X509_verify_cert_error_string(v);
          }
          co_return fail(hec, why);
        }
      }
    }
    if (!s->open) co_return fail(make_error_code(errc::unavailable), "closed");

    const auto cmds = handshake_commands();
    const auto bytes = detail::encode_commands(cmds);
    if (auto wec = co_await s->write(asio::buffer(bytes))) {
      co_return fail(wec, "write: " + wec.message());
    }
    std::vector<Reply> replies;
    std::array<char, 4096> buf{};
    while (replies.size() < cmds.size()) {
      Reply r;
      const auto next = reader.next(r);
      if (next == detail::ReplyReader::Next::reply) {
        replies.push_back(std::move(r));
        continue;
      }
      if (next == detail::ReplyReader::Next::protocol_error) {
        co_return fail(make_error_code(errc::internal), "protocol error: " + reader.error());
      }
      auto [ec, n] = co_await s->read_some(asio::buffer(buf));
      if (ec) co_return fail(ec, "read: " + ec.message());
      reader.feed({buf.data(), n});
    }
    for (std::size_t i = 0; i < cmds.size(); ++i) {
      if (cmds[i][0] == "ROLE" && !replies[i].is_error()) {
        const Reply& role = replies[i];
        const bool master = role.type == Reply::Type::array && !role.elements.empty() &&
                            role.elements[0].str == "master";
        if (!master) {
          co_return fail(make_error_code(errc::unavailable),
                         s->peer.text() + " is not the primary (ROLE: " +
                             (role.elements.empty() ? std::string("?") : role.elements[0].str) +
                             ")");
        }
        continue;
      }
      if (!replies[i].is_error()) continue;
      if (cmds[i][0] == "CLIENT") continue;  // best effort (some managed services refuse it)
      co_return fail(make_error_code(errc::unavailable),
                     cmds[i][0] + " refused: " + reply_text(replies[i]));
    }
    co_return std::pair{error_code{}, std::string{}};
  }

  // ---- the session ------------------------------------------------------------------------

  static asio::awaitable<void> writer(std::shared_ptr<Impl> self, std::shared_ptr<Session> s) {
    std::string out;
    std::vector<std::shared_ptr<Call>> batch;
    while (s->open) {
      while (!self->queued.empty() && self->queued.front()->state != Call::State::queued) {
        self->queued.pop_front();  // its deadline passed while queued
      }
      if (self->queued.empty() || s->draining) {
        s->wake.expires_at(Clock::time_point::max());
        co_await s->wake.async_wait(use_tuple);
        continue;
      }
      out.clear();
      batch.clear();
      const auto now = Clock::now();
      constexpr std::size_t kBatchBytes = 1 << 20;
      while (!self->queued.empty() && (out.empty() || out.size() < kBatchBytes)) {
        auto c = std::move(self->queued.front());
        self->queued.pop_front();
        if (c->state != Call::State::queued) continue;
        c->state = Call::State::written;  // from here on it may have run
        c->written_at = now;
        out += c->bytes;
        self->inflight.push_back(c);
        batch.push_back(std::move(c));
      }
      const auto ec = co_await s->write(asio::buffer(out));
      if (ec) {
        s->close("write: " + ec.message());  // the reader sees it and ends the session
        co_return;
      }
    }
  }

  // Closes the session when the oldest written call has waited twice its budget.
  static asio::awaitable<void> watchdog(std::shared_ptr<Impl> self, std::shared_ptr<Session> s) {
    constexpr auto tick = std::chrono::milliseconds(100);
    while (s->open) {
      s->watch.expires_after(tick);
      co_await s->watch.async_wait(use_tuple);
      if (!s->open || self->inflight.empty()) continue;
      const auto& oldest = *self->inflight.front();
      // Twice its deadline (at least 250 ms, so that a tiny deadline cannot close a healthy
      // connection between two ticks).
      const auto stuck_after = std::max<Clock::duration>(2 * oldest.budget, kMinStuck);
      if (Clock::now() - oldest.written_at > stuck_after) {
        spdlog::warn(
            "redis {}: no reply for {} ms (twice the call's deadline): closing the "
            "connection",
            self->name,
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - oldest.written_at)
                .count());
        s->close("no reply within twice the deadline");
      }
    }
  }

  // redis+sentinel://: asks the Sentinels again every sentinel_check_interval while connected;
  // when they name another primary, the session drains and the reconnection goes there. (A
  // primary demoted by SENTINEL FAILOVER keeps serving its clients until Sentinel reconfigures
  // it, about 10 s later: without this they would write to the old primary until then.)
  static asio::awaitable<void> sentinel_watch(std::shared_ptr<Impl> self,
                                              std::shared_ptr<Session> s) {
    while (s->open && !s->draining) {
      s->sentinel_tick.expires_after(self->opts.sentinel_check_interval);
      co_await s->sentinel_tick.async_wait(use_tuple);
      if (!s->open || s->draining) break;
      const auto& url = self->opts.url;
      auto answer =
          co_await detail::ask_sentinels(self->ex, self->sentinels, url.master_name,
                                         url.sentinel_password, self->opts.sentinel_timeout);
      if (!answer || !s->open || answer->primary == s->peer) continue;  // no news is good news
      spdlog::info("redis {}: Sentinel {} names {} as the primary (connected to {})", self->name,
                   answer->sentinel.text(), answer->primary.text(), s->peer.text());
      self->primary = answer->primary;
      self->drain(*s, "Sentinel names another primary");
    }
  }

  // Hands replies to the oldest written call; returns why the session ended.
  asio::awaitable<std::string> read_replies(std::shared_ptr<Session> s,
                                            detail::ReplyReader& reader) {
    std::vector<char> buf(64 * 1024);
    for (;;) {
      Reply r;
      const auto next = reader.next(r);
      if (next == detail::ReplyReader::Next::protocol_error) {
        co_return "protocol error: " + reader.error();
      }
      if (next == detail::ReplyReader::Next::reply) {
        if (inflight.empty()) co_return "a reply nobody asked for";
        check_redirection(*s, r);
        Call& c = *inflight.front();
        ++c.received;
        if (!c.abandoned) c.replies.push_back(std::move(r));
        if (c.received == c.commands) {
          auto done = std::move(inflight.front());
          inflight.pop_front();
          account(*done, false);
          if (!done->abandoned) complete(*done, CallResult(std::move(done->replies)));
        }
        if (s->draining && inflight.empty()) co_return s->close_reason;
        continue;
      }
      if (!s->open) co_return "closed";
      auto [ec, n] = co_await s->read_some(asio::buffer(buf));
      if (ec) co_return s->close_reason.empty() ? ec.message() : s->close_reason;
      reader.feed({buf.data(), n});
    }
  }

  static asio::awaitable<void> run(std::shared_ptr<Impl> self) {
    unsigned attempt = 0;
    auto outage_since = Clock::now();
    while (!self->stopped) {
      auto s = std::make_shared<Session>(self->ex);
      self->session = s;
      detail::ReplyReader reader;
      auto [ec, why] = co_await self->connect(s, reader);
      if (self->stopped) break;
      if (ec) {
        s->close();
        if (!self->outage_logged) {
          self->outage_logged = true;
          spdlog::warn("redis {}: cannot connect: {}; retrying with backoff", self->name, why);
        } else {
          spdlog::debug("redis {}: connect attempt {} failed: {}", self->name, attempt + 1, why);
        }
        self->backoff_timer.expires_after(self->backoff(attempt++));
        co_await self->backoff_timer.async_wait(use_tuple);
        continue;
      }
      if (self->ever_connected) {
        ++self->reconnects;
        if (self->outage_logged) {
          spdlog::info(
              "redis {}: connected again after {} ms", self->name,
              std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - outage_since)
                  .count());
        }
      } else if (self->outage_logged) {
        spdlog::info("redis {}: connected", self->name);
      }
      self->ever_connected = true;
      self->outage_logged = false;
      attempt = 0;
      self->connected_now = true;
      asio::co_spawn(self->ex, writer(self, s), log_exception);
      asio::co_spawn(self->ex, watchdog(self, s), log_exception);
      if (self->opts.url.kind == Url::Kind::sentinel) {
        asio::co_spawn(self->ex, sentinel_watch(self, s), log_exception);
      }
      const auto reason = co_await self->read_replies(s, reader);
      s->close();
      self->connected_now = false;
      self->fail_inflight(errc::unavailable);
      if (self->stopped) break;
      outage_since = Clock::now();
      self->outage_logged = true;
      spdlog::warn("redis {}: connection lost ({}); reconnecting", self->name, reason);
      self->backoff_timer.expires_after(self->backoff(attempt++));
      co_await self->backoff_timer.async_wait(use_tuple);
    }
  }

  static void log_exception(std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("redis: connection task failed: {}", x.what());
    }
  }

  std::chrono::milliseconds backoff(unsigned attempt) {
    const auto lo = std::max<std::int64_t>(1, opts.backoff_min.count());
    const auto hi = std::max<std::int64_t>(lo, opts.backoff_max.count());
    std::int64_t d = lo;
    for (unsigned i = 0; i < attempt && d < hi; ++i) d *= 2;
    d = std::min(d, hi);
    std::uniform_int_distribution<std::int64_t> jitter(d / 2, d);  // "equal jitter"
    return std::chrono::milliseconds(jitter(rng));
  }

  // ---- calls ------------------------------------------------------------------------------

  static asio::awaitable<CallResult> call(std::shared_ptr<Impl> self, std::vector<Command> commands,
                                          std::chrono::milliseconds budget,
                                          Clock::time_point deadline) {
    if (self->stopped) co_return failure(errc::unavailable, false);
    if (commands.empty()) co_return std::vector<Reply>{};
    auto c = std::make_shared<Call>(self->ex, deadline);
    c->bytes = detail::encode_commands(commands);
    c->commands = commands.size();
    c->budget = budget;
    if (self->pending_commands + c->commands > self->opts.max_pending ||
        self->pending_bytes + c->bytes.size() > self->opts.max_pending_bytes) {
      ++self->refused_full;
      co_return failure(errc::resource_exhausted, false);
    }
    self->account(*c, true);
    self->queued.push_back(c);
    self->wake_writer();
    co_await c->timer.async_wait(use_tuple);  // done (cancelled) or the deadline
    if (c->state != Call::State::done) {
      if (c->state == Call::State::queued) {
        // Never written: it did not run. Waiting behind others on a live connection is a
        // deadline; waiting for a connection that is down is an unavailable server.
        self->account(*c, false);
        c->state = Call::State::done;  // the writer skips it
        co_return failure(self->connected_now ? errc::deadline_exceeded : errc::unavailable, false);
      }
      c->abandoned = true;  // its late replies will be read and dropped
      c->replies.clear();
      co_return failure(errc::deadline_exceeded, true);
    }
    co_return std::move(*c->result);
  }
};

Connection::Connection(asio::any_io_executor ex, Options options)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(options))) {
  impl_->name = impl_->opts.url.redacted();
  impl_->sentinels = impl_->opts.url.sentinels;
}

Connection::~Connection() { stop(); }

void Connection::start() {
  if (impl_->stopped || impl_->started.exchange(true)) return;
  asio::co_spawn(impl_->ex, Impl::run(impl_), Impl::log_exception);
}

void Connection::stop() {
  if (impl_->stopped.exchange(true)) return;
  asio::dispatch(impl_->ex, [self = impl_] { self->do_stop(); });
}

asio::awaitable<CallResult> Connection::exec(std::vector<Command> commands,
                                             std::chrono::milliseconds deadline) {
  auto self = impl_;
  // A day at most: no overflow of now + deadline, nor of the stuck rule's twice the deadline.
  deadline = std::clamp<std::chrono::milliseconds>(deadline, std::chrono::milliseconds(0),
                                                   std::chrono::hours(24));
  const auto until = Clock::now() + deadline;
  try {
    if (self->stopped) co_return failure(errc::unavailable, false);
    const auto here = co_await asio::this_coro::executor;
    if (here == self->ex) co_return co_await Impl::call(self, std::move(commands), deadline, until);
    // Not cancellable from the caller (as service::on_state_loop): a cancellation posted to the
    // other executor could run after the call has finished.
    co_return co_await asio::co_spawn(
        self->ex, Impl::call(self, std::move(commands), deadline, until),
        asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
  } catch (const boost::system::system_error& e) {
    co_return CallError{e.code(), false};
  } catch (const std::exception&) {
    co_return failure(errc::internal, false);
  }
}

ConnectionFigures Connection::figures() const {
  ConnectionFigures f;
  f.connected = impl_->connected_now.load();
  f.reconnects = impl_->reconnects.load();
  f.refused_full = impl_->refused_full.load();
  f.pending = impl_->pending_now.load();
  return f;
}

}  // namespace streampulse::redis
