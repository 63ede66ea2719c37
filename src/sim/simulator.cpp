#include "streampulse/sim/simulator.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <exception>
#include <queue>

namespace streampulse::sim {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

void LatencyHistogram::record(std::chrono::microseconds d) {
  // Bucket i holds [1.04^i, 1.04^(i+1)) microseconds; 512 buckets reach past an hour.
  const double us = std::max<double>(1, static_cast<double>(d.count()));
  const auto i = static_cast<std::size_t>(std::log(us) / std::log(1.04));
  ++buckets_[std::min(i, kBuckets - 1)];
  ++count_;
}

double LatencyHistogram::percentile_ms(double p) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      return std::pow(1.04, static_cast<double>(i) + 0.5) / 1000.0;  // bucket midpoint
    }
  }
  return std::pow(1.04, kBuckets) / 1000.0;
}

// A counting semaphore for coroutines on one thread: waiters park on a timer that release()
// or close() cancels.
struct Simulator::Gate {
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : timer(ex, Clock::time_point::max()) {}
    asio::steady_timer timer;
    bool granted = false;
  };
  asio::any_io_executor ex;
  std::size_t available;
  std::deque<Waiter*> waiters;
  bool closed = false;

  asio::awaitable<bool> acquire() {
    if (closed) co_return false;
    if (available > 0 && waiters.empty()) {
      --available;
      co_return true;
    }
    Waiter w(ex);
    waiters.push_back(&w);
    co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return w.granted;  // not granted: closed
  }
  void release() {
    if (!waiters.empty()) {
      Waiter* w = waiters.front();
      waiters.pop_front();
      w->granted = true;
      w->timer.cancel();
    } else {
      ++available;
    }
  }
  void close() {
    closed = true;
    for (Waiter* w : waiters) w->timer.cancel();
    waiters.clear();
  }
};

Simulator::Simulator(asio::any_io_executor ex, SimulatorOptions options,
                     std::unique_ptr<Sender> sender)
    : ex_(ex),
      options_(options),
      sender_(std::move(sender)),
      rng_(options.seed),
      gate_(std::make_unique<Gate>(Gate{ex, std::max<std::size_t>(1, options.max_in_flight), {}})),
      tick_(ex),
      drained_(ex, Clock::time_point::max()) {
  options_.interval = std::max(options_.interval, std::chrono::milliseconds(1));
  players_ = make_population(options_.players, rng_, core::SystemClock().now_ms());
  pending_.assign(players_.size(), false);
}

Simulator::~Simulator() = default;

void Simulator::stop() {
  if (cancelled_) return;
  cancelled_ = stopping_ = true;
  tick_.cancel();
  gate_->close();
  sender_->cancel();
}

asio::awaitable<void> Simulator::run() {
  const auto start = Clock::now();
  const auto end =
      options_.duration.count() > 0 ? start + options_.duration : Clock::time_point::max();
  // Each player's next beat, earliest first; first beats spread evenly at random.
  using Due = std::pair<Clock::time_point, std::size_t>;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
  std::uniform_int_distribution<std::int64_t> phase(0, options_.interval.count() - 1);
  for (std::size_t i = 0; i < players_.size(); ++i) {
    due.emplace(start + std::chrono::milliseconds(phase(rng_)), i);
  }
  while (!stopping_ && !due.empty() && due.top().first < end) {
    tick_.expires_at(due.top().first);
    co_await tick_.async_wait(asio::as_tuple(asio::use_awaitable));
    const auto now = Clock::now();
    while (!stopping_ && !due.empty() && due.top().first <= now && due.top().first < end) {
      auto [at, i] = due.top();
      due.pop();
      due.emplace(at + options_.interval, i);
      if (pending_[i]) {
        ++stats_.skipped;
        continue;
      }
      pending_[i] = true;
      ++outstanding_;
      asio::co_spawn(ex_, send_one(i), asio::detached);
    }
  }
  if (!stopping_ && end != Clock::time_point::max()) {  // run the full duration
    tick_.expires_at(end);
    co_await tick_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  // Nothing new from here on: drop the sends still queued, let those in flight finish.
  stopping_ = true;
  gate_->close();
  while (outstanding_ > 0) {
    co_await drained_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> Simulator::send_one(std::size_t index) {
  struct Done {  // runs however the coroutine ends
    Simulator& sim;
    std::size_t index;
    bool holds_gate = false;
    ~Done() {
      if (holds_gate) sim.gate_->release();
      sim.pending_[index] = false;
      sim.finished_one();
    }
  } done{*this, index};
  // Never throws: a detached coroutine must not let an exception escape.
  try {
    if (!co_await gate_->acquire()) {
      ++stats_.skipped;  // still queued when the run ended
      co_return;
    }
    done.holds_gate = true;
    Player& p = players_[index];
    maybe_switch_bitrate(p, rng_);
    std::string body = heartbeat_json(p, core::SystemClock().now_ms());
    body.pop_back();  // the object's '}': the quality fields go in before it
    append_quality_fields(body, p, rng_);
    body += '}';
    ++stats_.sent;
    const auto t0 = Clock::now();
    const SendOutcome out = co_await sender_->send(std::move(body));
    record(out, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0));
  } catch (const std::exception&) {
    ++stats_.aborted;
  }
}

void Simulator::record(const SendOutcome& out, std::chrono::microseconds latency) {
  if (out.ok) {
    ++stats_.ok;
  } else if (cancelled_) {
    ++stats_.aborted;  // stop() cut it short
    return;
  } else {
    ++stats_.failed;
    // Bound the map: odd reasons from a misbehaving target collapse into one bucket.
    const bool known = stats_.failures.count(out.reason) > 0;
    ++stats_.failures[known || stats_.failures.size() < 32 ? out.reason : "other"];
  }
  stats_.latency.record(latency);
}

void Simulator::finished_one() {
  if (--outstanding_ == 0) drained_.cancel();
}

std::shared_ptr<Simulator> spawn_simulation(asio::any_io_executor ex, SimulatorOptions options,
                                            std::unique_ptr<Sender> sender,
                                            std::function<void(const SimStats&)> on_done) {
  auto sim = std::make_shared<Simulator>(ex, options, std::move(sender));
  asio::co_spawn(ex, sim->run(), [sim, on_done = std::move(on_done)](std::exception_ptr) {
    if (on_done) on_done(sim->stats());
  });
  return sim;
}

}  // namespace streampulse::sim
