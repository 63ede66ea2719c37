#pragma once
// One timer for the whole audience. A viewer's coroutine parks in its Slot until a time (or a
// wake()); the scheduler keeps the parked slots in a heap and arms its one steady_timer for the
// earliest, so thousands of viewers cost one kernel timer, not one each. How late each slot
// fires past its time is recorded: the simulator's event-loop lag.
#include "streampulse/sim/simulator.hpp"  // LatencyHistogram

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <queue>
#include <vector>

namespace streampulse::sim {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  struct Slot {
    boost::asio::any_completion_handler<void()> handler;
    std::uint64_t generation = 0;
  };

  explicit Scheduler(boost::asio::any_io_executor ex);

  // co_await sleep_until(slot, at): resumes at `at`, at wake(slot), or at stop().
  template <typename Token = const boost::asio::use_awaitable_t<>&>
  auto sleep_until(Slot& slot, Clock::time_point at, Token&& token = boost::asio::use_awaitable) {
    return boost::asio::async_initiate<Token, void()>(
        [this, &slot, at](auto handler) {
          park(slot, at, boost::asio::any_completion_handler<void()>(std::move(handler)));
        },
        token);
  }
  void wake(Slot& slot);
  // Wakes every parked slot; later sleeps return at once.
  void stop();
  bool stopped() const { return stopped_; }

  const LatencyHistogram& lag() const { return lag_; }
  double lag_max_ms() const { return lag_max_ms_; }
  // From this call on, lateness is also recorded apart: the steady state's, past the arrival.
  void begin_steady() { steady_ = true; }
  const LatencyHistogram& steady_lag() const { return steady_lag_; }
  // Records the lateness of a timer kept elsewhere (the sampler's).
  void record_lag(Clock::duration late);

 private:
  struct Entry {
    Clock::time_point at;
    std::uint64_t generation;
    Slot* slot;
    bool operator>(const Entry& o) const { return at > o.at; }
  };
  void park(Slot& slot, Clock::time_point at, boost::asio::any_completion_handler<void()> h);
  void resume(Slot& slot);
  void arm();
  void fire();

  boost::asio::any_io_executor ex_;
  boost::asio::steady_timer timer_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  bool armed_ = false;
  Clock::time_point armed_at_{};
  std::uint64_t arm_generation_ = 0;
  bool stopped_ = false;
  LatencyHistogram lag_, steady_lag_;
  double lag_max_ms_ = 0;
  bool steady_ = false;
};

}  // namespace streampulse::sim
