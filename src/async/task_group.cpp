#include "streampulse/async/task_group.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <mutex>
#include <utility>

namespace streampulse::async {

namespace asio = boost::asio;

struct TaskGroup::Member {
  asio::any_io_executor executor;
  std::function<void(Stop)> on_stop;
  bool left = false;  // touched on `executor` only: a step posted before the leave arrives late
};

struct TaskGroup::State {
  std::mutex mutex;
  std::list<std::shared_ptr<Member>> members;
  int steps_taken = 0;         // 0 none, 1 graceful, 2 now
  TaskGroup* group = nullptr;  // null once the group is gone: nobody waits any more
};

TaskGroup::TaskGroup(asio::any_io_executor home)
    : home_(home), state_(std::make_shared<State>()), emptied_(std::move(home)) {
  state_->group = this;
}

TaskGroup::~TaskGroup() {
  std::lock_guard lock(state_->mutex);
  state_->group = nullptr;
}

TaskGroup::Membership::Membership(Membership&& other) noexcept
    : state_(std::move(other.state_)), place_(other.place_) {}

TaskGroup::Membership& TaskGroup::Membership::operator=(Membership&& other) noexcept {
  if (this != &other) {
    if (state_) leave(*state_, place_);
    state_ = std::move(other.state_);
    place_ = other.place_;
  }
  return *this;
}

TaskGroup::Membership::~Membership() {
  if (state_) leave(*state_, place_);
}

void TaskGroup::reach(const std::shared_ptr<Member>& member, Stop step) {
  asio::post(member->executor, [member, step] {
    if (!member->left) member->on_stop(step);
  });
}

TaskGroup::Membership TaskGroup::join(asio::any_io_executor executor,
                                      std::function<void(Stop)> on_stop) {
  auto member = std::make_shared<Member>(Member{std::move(executor), std::move(on_stop)});
  std::lock_guard lock(state_->mutex);
  auto place = state_->members.insert(state_->members.end(), member);
  // Late to a stop (a connection accepted just before it): the step taken so far reaches it too.
  if (state_->steps_taken > 0) reach(member, state_->steps_taken == 1 ? Stop::graceful : Stop::now);
  return Membership(state_, place);
}

void TaskGroup::leave(State& state, Place place) {
  (*place)->left = true;
  std::lock_guard lock(state.mutex);
  state.members.erase(place);
  // Posted: wait() re-checks the count on the home executor after this wake-up, so a leave
  // between its check and its wait is not missed.
  if (state.members.empty() && state.group)
    asio::post(state.group->home_, [g = state.group] { g->emptied_.cancel(); });
}

void TaskGroup::spawn(asio::awaitable<void> task, std::string name,
                      std::function<void()> on_failure) {
  // The signal outlives the coroutine: co_spawn's cancellation handler lives in it. `ended` keeps
  // a step that arrives after the end (and before the leave) from emitting into a finished task.
  struct Task {
    asio::cancellation_signal signal;
    bool ended = false;
    Membership membership;
  };
  auto t = std::make_shared<Task>();
  t->membership = join(home_, [t = std::weak_ptr<Task>(t)](Stop) {
    if (auto alive = t.lock(); alive && !alive->ended)
      alive->signal.emit(asio::cancellation_type::terminal);
  });
  auto done = [this, t, name = std::move(name),
               on_failure = std::move(on_failure)](std::exception_ptr e) {
    t->ended = true;
    // The task leaves on the next turn of the loop: the ending coroutine's frame still refers
    // to the signal right now.
    asio::post(home_, [t] { t->membership = Membership(); });
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
  asio::co_spawn(home_, std::move(task),
                 asio::bind_cancellation_slot(t->signal.slot(), std::move(done)));
}

void TaskGroup::stop(Stop step) {
  const int taken = step == Stop::graceful ? 1 : 2;
  std::lock_guard lock(state_->mutex);
  if (state_->steps_taken >= taken) return;
  state_->steps_taken = taken;
  for (const auto& member : state_->members) reach(member, step);
}

bool TaskGroup::stopping() const {
  std::lock_guard lock(state_->mutex);
  return state_->steps_taken > 0;
}

std::size_t TaskGroup::size() const {
  std::lock_guard lock(state_->mutex);
  return state_->members.size();
}

asio::awaitable<bool> TaskGroup::wait(std::chrono::steady_clock::time_point deadline) {
  while (size() > 0 && std::chrono::steady_clock::now() < deadline) {
    emptied_.expires_at(deadline);
    co_await emptied_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return size() == 0;
}

}  // namespace streampulse::async
