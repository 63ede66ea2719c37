#pragma once
// The service's running work as one group: every background task and every HTTP session joins
// it when it starts and leaves when it ends, whatever thread it runs on. A stop reaches every
// member at once, in two steps (graceful, then now), and wait() completes when the last member
// has left, woken by that departure rather than by polling (the idea of Boost.Beast's
// advanced_server_flex_awaitable task_group, with a graceful step a connection can honour:
// finish the response in flight, then close).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>

namespace streampulse::async {

// The steps of a stop, in order; a group only moves forward through them.
enum class Stop {
  graceful,  // end at the next wait; a connection ends after the response it is sending
  now,       // end at once: the grace period is over (or a second signal came)
};

class TaskGroup {
  struct Member;
  struct State;
  using Place = std::list<std::shared_ptr<Member>>::iterator;

 public:
  // `home`: where spawn() starts its tasks and where wait() runs.
  explicit TaskGroup(boost::asio::any_io_executor home);
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Starts `task` on the home executor as a member; either step of a stop cancels it (terminal
  // cancellation: it ends at its next wait). Its failure (an exception other than the
  // cancellation) is logged under `name`, then `on_failure` runs if given.
  void spawn(boost::asio::awaitable<void> task, std::string name,
             std::function<void()> on_failure = {});

  // A member that stops itself (an HTTP session): `on_stop` runs on `executor` at each step of a
  // stop, and at once (there) when the group is already stopping. The member leaves when its
  // Membership is destroyed, on `executor`; no `on_stop` runs after that.
  class Membership {
   public:
    Membership() = default;
    Membership(Membership&& other) noexcept;
    Membership& operator=(Membership&& other) noexcept;
    ~Membership();

   private:
    friend class TaskGroup;
    Membership(std::shared_ptr<State> state, Place place)
        : state_(std::move(state)), place_(place) {}
    // Shared: a member may outlive the group (a session whose loop is destroyed last).
    std::shared_ptr<State> state_;
    Place place_;
  };
  Membership join(boost::asio::any_io_executor executor, std::function<void(Stop)> on_stop);

  // Any thread. Each step reaches each member once; a step already taken is ignored.
  void stop(Stop step);
  bool stopping() const;
  // On the home executor: completes when no member is left (true), or at `deadline` with some
  // still running (false).
  boost::asio::awaitable<bool> wait(std::chrono::steady_clock::time_point deadline);
  std::size_t size() const;  // any thread

 private:
  static void leave(State& state, Place place);
  static void reach(const std::shared_ptr<Member>& member, Stop step);

  boost::asio::any_io_executor home_;
  std::shared_ptr<State> state_;
  boost::asio::steady_timer emptied_;  // home only: its wait is cancelled when the last leaves
};

}  // namespace streampulse::async
