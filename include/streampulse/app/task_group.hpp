#pragma once
// The service's background tasks as one group, on the state loop: each joins when spawned and
// leaves when it ends; a stop cancels them all at once and waits for the last to leave (the
// idea of Boost.Beast's advanced_server_flex_awaitable task_group). Used on one thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <string>

namespace streampulse::app {

class TaskGroup {
 public:
  explicit TaskGroup(boost::asio::any_io_executor executor);
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Starts `task` on the group's executor; its failure (an exception other than cancellation)
  // is logged under `name`, then `on_failure` runs if given.
  void spawn(boost::asio::awaitable<void> task, std::string name,
             std::function<void()> on_failure = {});
  // Asks every task still running to stop (terminal cancellation: each ends at its next wait).
  void cancel();
  // Completes when no task is left (true), or at `deadline` with some still running (false).
  boost::asio::awaitable<bool> wait(std::chrono::steady_clock::time_point deadline);
  std::size_t size() const { return running_.size(); }

 private:
  boost::asio::any_io_executor executor_;
  std::list<boost::asio::cancellation_signal> running_;
  boost::asio::steady_timer emptied_;  // its wait is cancelled when the last task leaves
};

}  // namespace streampulse::app
