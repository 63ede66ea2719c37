#include "scheduler.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace streampulse::sim {

namespace asio = boost::asio;

Scheduler::Scheduler(asio::any_io_executor ex) : ex_(ex), timer_(ex) {}

void Scheduler::park(Slot& slot, Clock::time_point at, asio::any_completion_handler<void()> h) {
  // swap, not move assignment: Boost 1.81's any_completion_handler::operator=(&&) wraps the
  // handler in itself again and again (unbounded recursion).
  slot.handler.swap(h);
  ++slot.generation;
  if (stopped_) {
    resume(slot);
    return;
  }
  heap_.push({at, slot.generation, &slot});
  arm();
}

void Scheduler::resume(Slot& slot) {
  if (!slot.handler) return;
  ++slot.generation;  // its heap entry, if any, is stale from now on
  asio::any_completion_handler<void()> h;
  h.swap(slot.handler);  // see park()
  // Through the executor, never inline: the resumed coroutine may park again at once.
  asio::post(ex_, [h = std::move(h)]() mutable { std::move(h)(); });
}

void Scheduler::wake(Slot& slot) { resume(slot); }

void Scheduler::stop() {
  stopped_ = true;
  while (!heap_.empty()) {
    const Entry e = heap_.top();
    heap_.pop();
    if (e.generation == e.slot->generation) resume(*e.slot);
  }
  ++arm_generation_;
  armed_ = false;
  timer_.cancel();
}

void Scheduler::record_lag(Clock::duration late) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(late);
  lag_.record(std::max(us, std::chrono::microseconds(0)));
  if (steady_) steady_lag_.record(std::max(us, std::chrono::microseconds(0)));
  lag_max_ms_ = std::max(lag_max_ms_, static_cast<double>(us.count()) / 1000.0);
}

void Scheduler::arm() {
  // Drop stale entries on top so the timer is not armed for nothing.
  while (!heap_.empty() && heap_.top().generation != heap_.top().slot->generation) heap_.pop();
  if (heap_.empty() || stopped_) return;
  const auto at = heap_.top().at;
  if (armed_ && armed_at_ <= at) return;
  armed_ = true;
  armed_at_ = at;
  timer_.expires_at(at);  // cancels an earlier wait, whose handler then sees an old generation
  timer_.async_wait([this, g = ++arm_generation_](const boost::system::error_code&) {
    if (g != arm_generation_) return;
    armed_ = false;
    fire();
  });
}

void Scheduler::fire() {
  const auto now = Clock::now();
  while (!heap_.empty() && heap_.top().at <= now) {
    const Entry e = heap_.top();
    heap_.pop();
    if (e.generation != e.slot->generation) continue;  // woken or re-parked since
    record_lag(now - e.at);
    resume(*e.slot);
  }
  arm();
}

}  // namespace streampulse::sim
