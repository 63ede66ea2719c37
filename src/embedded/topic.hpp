#pragma once
// One topic of the embedded backend: a bounded history with Momento's sequence numbers and
// sequence page, and the long-polls waiting on it. Private to the embedded backend.
#include "streampulse/store/store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace streampulse::embedded::detail {

// A long-poll in progress, on its own loop (a single-threaded io_context: the connection's). It
// sleeps on its own timer, set to its deadline. A publish or a shutdown takes it off its topic
// (under the store's topic lock) and posts the timer's cancel to the waiter's own loop, where
// the timer lives: waking a waiter never touches it from another thread.
struct Waiter : boost::intrusive::list_base_hook<>, std::enable_shared_from_this<Waiter> {
  explicit Waiter(const boost::asio::any_io_executor& executor) : timer(executor) {}
  boost::asio::steady_timer timer;
};

// Waiters to wake, grouped by loop: one post per loop per publish, whatever the number of
// subscribers (the fan-out runs on the subscribers' own threads).
struct WakeBatch {
  boost::asio::any_io_executor executor;
  std::vector<std::shared_ptr<Waiter>> waiters;
};
// Posts each batch's cancels to its loop. Call without the topic lock held.
void wake(std::vector<WakeBatch> batches);

class Topic {
 public:
  // history: how many messages are kept for resuming subscribers (at least 1 is kept).
  Topic(std::uint64_t sequence_page, std::size_t history);
  Topic(const Topic&) = delete;
  Topic& operator=(const Topic&) = delete;
  ~Topic();

  std::uint64_t sequence_page() const { return page_; }
  std::uint64_t next_sequence() const { return next_seq_; }
  std::size_t retained() const { return history_.size(); }

  // Appends a message; the waiters to wake (all of them) are added to `wake`.
  void publish(store::TopicValue value, std::string publisher_id, std::vector<WakeBatch>& wake);
  // Appends a message numbered elsewhere (a mirror of a Redis stream): an item on another page
  // starts the topic over on that page; an item past the next number leaves a gap (the history
  // restarts there, so a subscriber behind it gets a discontinuity); one already held is
  // ignored. Returns whether it was appended (waiters are then added to `wake`).
  bool mirror(store::TopicItem item, std::vector<WakeBatch>& wake);

  // What a subscriber at `from` gets now; empty means "nothing yet, wait". from.sequence_number
  // == 0 is a new subscriber: the latest retained message, if any.
  std::vector<store::SubscriptionEvent> events_for(store::SubscribePosition from) const;

  // Every call under the store's topic lock.
  void add_waiter(Waiter& waiter);
  // Takes a waiter off (it woke by its deadline, or its coroutine ended); nothing if a publish
  // took it already.
  void remove_waiter(Waiter& waiter);
  void take_all(std::vector<WakeBatch>& wake);

 private:
  std::vector<store::SubscriptionEvent> gap_then_history(std::uint64_t last_seen) const;

  using WaiterList = boost::intrusive::list<Waiter, boost::intrusive::constant_time_size<false>>;
  struct Group {
    boost::asio::any_io_executor executor;
    WaiterList waiters;
  };

  std::uint64_t page_;
  std::size_t history_limit_;
  std::uint64_t next_seq_ = 1;
  std::deque<store::TopicItem> history_;
  std::vector<std::unique_ptr<Group>> groups_;  // one per loop with waiters on this topic
};

}  // namespace streampulse::embedded::detail
