#pragma once
// The loops that serve connections besides the state loop (Config::threads - 1), each run by
// its own thread. The server spreads connections over them and the state loop.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace streampulse::app {

class ConnectionLoops {
 public:
  explicit ConnectionLoops(unsigned count);
  ~ConnectionLoops();  // stops and joins, if still running

  std::vector<boost::asio::any_io_executor> executors() const;
  std::size_t size() const { return loops_.size(); }

  // Runs each loop on its own thread until stop_and_join().
  void start();
  // Call after the sessions have ended (App's drain waits for them): each loop first finishes
  // the handler it is in (1 s at most), then whatever is left on a loop is dropped with it.
  void stop_and_join();

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

}  // namespace streampulse::app
