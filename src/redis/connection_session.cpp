// redis::Connection's session: writer, reader, watchdog, Sentinel watch, reconnect with backoff.
#include "connection_impl.hpp"

#include <algorithm>

namespace streampulse::redis {

constexpr auto kMinStuck = std::chrono::milliseconds(250);

void Connection::Impl::drain(Session& s, std::string reason) {
  if (!s.open || s.draining) return;
  s.draining = true;
  if (s.close_reason.empty()) s.close_reason = std::move(reason);
  if (inflight.empty()) s.close();
}

void Connection::Impl::check_redirection(Session& s, const Reply& r) {
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

asio::awaitable<void> Connection::Impl::writer(std::shared_ptr<Impl> self,
                                               std::shared_ptr<Session> s) {
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

asio::awaitable<void> Connection::Impl::watchdog(std::shared_ptr<Impl> self,
                                                 std::shared_ptr<Session> s) {
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
asio::awaitable<void> Connection::Impl::sentinel_watch(std::shared_ptr<Impl> self,
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

asio::awaitable<std::string> Connection::Impl::read_replies(std::shared_ptr<Session> s,
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

asio::awaitable<void> Connection::Impl::run(std::shared_ptr<Impl> self) {
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

void Connection::Impl::log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("redis: connection task failed: {}", x.what());
  }
}

std::chrono::milliseconds Connection::Impl::backoff(unsigned attempt) {
  const auto lo = std::max<std::int64_t>(1, opts.backoff_min.count());
  const auto hi = std::max<std::int64_t>(lo, opts.backoff_max.count());
  std::int64_t d = lo;
  for (unsigned i = 0; i < attempt && d < hi; ++i) d *= 2;
  d = std::min(d, hi);
  std::uniform_int_distribution<std::int64_t> jitter(d / 2, d);  // "equal jitter"
  return std::chrono::milliseconds(jitter(rng));
}

}  // namespace streampulse::redis
