#include "streampulse/app/connection_loops.hpp"

#include <boost/asio/post.hpp>

#include <pthread.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

namespace streampulse::app {

ConnectionLoops::ConnectionLoops(unsigned count) {
  for (unsigned i = 0; i < count; ++i)
    loops_.push_back(std::make_unique<boost::asio::io_context>(1));
}

ConnectionLoops::~ConnectionLoops() { stop_and_join(); }

std::vector<boost::asio::any_io_executor> ConnectionLoops::executors() const {
  std::vector<boost::asio::any_io_executor> out;
  for (const auto& loop : loops_) out.push_back(loop->get_executor());
  return out;
}

void ConnectionLoops::start() {
  for (auto& loop : loops_) {
    work_.push_back(boost::asio::make_work_guard(*loop));
    const std::string name = "sp-loop-" + std::to_string(threads_.size() + 1);
    threads_.emplace_back([&loop = *loop, name] {
      // Named, so per-thread CPU (top -H, /proc/<pid>/task/*/comm, bench/audience.sh) says
      // which loop did the work; the state loop is the main thread ("streampulse").
      pthread_setname_np(pthread_self(), name.c_str());
      loop.run();
    });
  }
}

void ConnectionLoops::stop_and_join() {
  // A session leaves the task group from inside its last handler, so the drain can end while
  // that handler still runs its last lines (the frame's end, the session's completion). A barrier
  // posted to each loop runs after it: waited for (1 s at most) before the loops stop, so no
  // session frame outlives its loop's run and is destroyed after the state loop.
  if (!threads_.empty()) {
    std::vector<std::future<void>> barriers;
    for (auto& loop : loops_) {
      auto reached = std::make_shared<std::promise<void>>();
      barriers.push_back(reached->get_future());
      boost::asio::post(*loop, [reached] { reached->set_value(); });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (auto& b : barriers) b.wait_until(deadline);
  }
  work_.clear();
  for (auto& loop : loops_) loop->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace streampulse::app
