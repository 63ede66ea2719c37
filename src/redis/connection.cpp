// redis::Connection's public side, its queue of calls and each call's deadline.
#include "connection_impl.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>

namespace streampulse::redis {

void Connection::Impl::account(const Call& c, bool add) {
  if (add) {
    pending_commands += c.commands;
    pending_bytes += c.bytes.size();
  } else {
    pending_commands -= c.commands;
    pending_bytes -= c.bytes.size();
  }
  pending_now.store(pending_commands, std::memory_order_relaxed);
}

void Connection::Impl::complete(Call& c, CallResult r) {
  c.state = Call::State::done;
  c.result = std::move(r);
  c.timer.cancel();
}

void Connection::Impl::fail_inflight(errc code) {
  auto calls = std::move(inflight);
  inflight.clear();
  for (auto& c : calls) {
    account(*c, false);
    if (!c->abandoned) complete(*c, failure(code, true));
  }
}

void Connection::Impl::fail_queued(errc code) {
  auto calls = std::move(queued);
  queued.clear();
  for (auto& c : calls) {
    if (c->state != Call::State::queued) continue;
    account(*c, false);
    complete(*c, failure(code, false));
  }
}

void Connection::Impl::wake_writer() {
  if (session && session->open) session->wake.cancel();
}

void Connection::Impl::do_stop() {
  backoff_timer.cancel();
  if (session) session->close();
  session.reset();
  connected_now = false;
  fail_inflight(errc::unavailable);
  fail_queued(errc::unavailable);
}

asio::awaitable<CallResult> Connection::Impl::call(std::shared_ptr<Impl> self,
                                                   std::vector<Command> commands,
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
