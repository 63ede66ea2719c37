#include "streampulse/app/task_group.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

namespace streampulse::app {

namespace asio = boost::asio;

TaskGroup::TaskGroup(asio::any_io_executor executor)
    : executor_(executor), emptied_(std::move(executor)) {}

void TaskGroup::spawn(asio::awaitable<void> task, std::string name,
                      std::function<void()> on_failure) {
  auto place = running_.emplace(running_.end());
  auto done = [this, place, name = std::move(name),
               on_failure = std::move(on_failure)](std::exception_ptr e) {
    // The signal leaves the list on the next turn of the loop: co_spawn's cancellation handler
    // lives in it, and the ending coroutine's frame still refers to it right now.
    asio::post(executor_, [this, place] {
      running_.erase(place);
      if (running_.empty()) emptied_.cancel();
    });
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const boost::system::system_error& se) {
      if (se.code() == asio::error::operation_aborted) return;  // cancelled: a stop
      spdlog::error("{} failed: {}", name, se.what());
    } catch (const std::exception& ex) {
      spdlog::error("{} failed: {}", name, ex.what());
    }
    if (on_failure) on_failure();
  };
  asio::co_spawn(executor_, std::move(task),
                 asio::bind_cancellation_slot(place->slot(), std::move(done)));
}

void TaskGroup::cancel() {
  for (auto& signal : running_) signal.emit(asio::cancellation_type::terminal);
}

asio::awaitable<bool> TaskGroup::wait(std::chrono::steady_clock::time_point deadline) {
  while (!running_.empty() && std::chrono::steady_clock::now() < deadline) {
    emptied_.expires_at(deadline);
    co_await emptied_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return running_.empty();
}

}  // namespace streampulse::app
