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
#include <string>
#include <vector>

namespace streampulse::embedded::detail {

// A long-poll in progress. It sleeps on its own timer (set to its deadline); a publish or a
// shutdown cancels the timer to wake it. The auto-unlink hook takes it off its topic's list
// when it is destroyed, whichever way its coroutine ends.
struct Waiter
    : boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
  explicit Waiter(const boost::asio::any_io_executor& executor) : timer(executor) {}
  boost::asio::steady_timer timer;
};

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

  // Appends a message and wakes every waiter.
  void publish(store::TopicValue value, std::string publisher_id);

  // What a subscriber at `from` gets now; empty means "nothing yet, wait". from.sequence_number
  // == 0 is a new subscriber: the latest retained message, if any.
  std::vector<store::SubscriptionEvent> events_for(store::SubscribePosition from) const;

  void add_waiter(Waiter& waiter) { waiters_.push_back(waiter); }
  void wake_all();

 private:
  std::vector<store::SubscriptionEvent> gap_then_history(std::uint64_t last_seen) const;

  using WaiterList = boost::intrusive::list<Waiter, boost::intrusive::constant_time_size<false>>;

  std::uint64_t page_;
  std::size_t history_limit_;
  std::uint64_t next_seq_ = 1;
  std::deque<store::TopicItem> history_;
  WaiterList waiters_;
};

}  // namespace streampulse::embedded::detail
