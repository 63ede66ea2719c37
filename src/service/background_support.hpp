#pragma once
// Helpers shared by the background tasks of background.hpp (count_publisher.cpp,
// topic_intake.cpp, election.cpp, pruner.cpp, dashboard_feed_task.cpp). Private to src/service.
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>

namespace streampulse::service::detail {

// Whether this task was cancelled: the service is stopping (the App's task group cancels every
// background task at once). The one test the tasks make after a wait that a stop may end.
inline boost::asio::awaitable<bool> stopping() {
  const auto cs = co_await boost::asio::this_coro::cancellation_state;
  co_return cs.cancelled() != boost::asio::cancellation_type::none;
}

// Sleeps; false when the wait was cancelled (the service is stopping).
inline boost::asio::awaitable<bool> sleep_for(std::chrono::milliseconds d) {
  namespace asio = boost::asio;
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

// A periodic task's failures, logged when they begin (warn) and when they end (info), the tries
// in between at debug: a backend down for minutes would otherwise log a line at every try.
class FailureLog {
 public:
  explicit FailureLog(const char* what) : what_(what) {}
  void failed(const boost::system::error_code& ec) {
    if (failing_) {
      spdlog::debug("{} failed: {}", what_, ec.message());
      return;
    }
    failing_ = true;
    spdlog::warn("{} failed: {} (tried again; logged again when it works)", what_, ec.message());
  }
  void succeeded() {
    if (!failing_) return;
    failing_ = false;
    spdlog::info("{} works again", what_);
  }

 private:
  const char* what_;
  bool failing_ = false;
};

}  // namespace streampulse::service::detail
