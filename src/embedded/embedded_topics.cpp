// EmbeddedStore's topics: publish, mirror and long-poll, shared by every loop under one lock.
#include "embedded_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace streampulse::embedded {

namespace asio = boost::asio;
using detail::error;
using detail::State;
using detail::Topic;
using store::awaitable;
using store::result;

namespace {

using Events = std::vector<store::SubscriptionEvent>;

bool cancelled(const asio::cancellation_state& cs) {
  return cs.cancelled() != asio::cancellation_type::none;
}

// A coroutine of its own (not a member) so that it owns copies of everything it uses. It runs on
// the caller's loop (a connection's thread); only the topic itself is shared, under the lock.
awaitable<result<Events>> poll(std::shared_ptr<State> s, std::string name,
                               store::SubscribePosition from, std::chrono::milliseconds max_wait) {
  if (s->stopped) co_return Events{};
  if (name.empty()) co_return error(errc::invalid_argument);
  auto waiter = std::make_shared<detail::Waiter>(co_await asio::this_coro::executor);
  Topic* topic = nullptr;
  {
    std::lock_guard lock(s->topic_mutex);
    auto found = s->topic(name);
    if (!found) co_return found.error();
    topic = *found;
    Events events = topic->events_for(from);
    if (!events.empty() || max_wait.count() <= 0) co_return events;
    if (s->waiting >= s->limits.max_waiting_polls) co_return error(errc::resource_exhausted);
    // A new subscriber with nothing retained waits for the next message.
    if (from.sequence_number == 0) from = {topic->next_sequence(), topic->sequence_page()};
    topic->add_waiter(*waiter);
    ++s->waiting;
  }
  // Off the topic and uncounted however the coroutine ends (answer, deadline, cancellation).
  struct Leave {
    State& s;
    Topic& topic;
    detail::Waiter& waiter;
    ~Leave() {
      std::lock_guard lock(s.topic_mutex);
      topic.remove_waiter(waiter);
      --s.waiting;
    }
  } leave{*s, *topic, *waiter};
  // Capped so that converting to the timer's nanoseconds cannot overflow.
  waiter->timer.expires_after(
      std::min<std::chrono::milliseconds>(max_wait, std::chrono::hours(24)));
  for (;;) {
    // Checked before each wait: asio throws when an operation starts in a cancelled coroutine.
    if (cancelled(co_await asio::this_coro::cancellation_state)) co_return Events{};
    auto [ec] = co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (s->stopped || cancelled(co_await asio::this_coro::cancellation_state)) co_return Events{};
    {
      std::lock_guard lock(s->topic_mutex);
      Events events = topic->events_for(from);
      // ec is empty when the deadline passed; operation_aborted when a publish woke us.
      if (!events.empty() || !ec) co_return events;
      // Woken with nothing new for this position: wait again, until the same deadline.
      if (!waiter->is_linked()) topic->add_waiter(*waiter);
    }
  }
}

}  // namespace

// ---- topics ----

awaitable<result<void>> EmbeddedStore::topic_publish(std::string_view topic,
                                                     store::TopicValue value,
                                                     std::string publisher_id) {
  auto published = publish_now(topic, std::move(value), std::move(publisher_id));
  if (published.has_error()) co_return published.error();
  co_return result<void>{};
}

result<std::uint64_t> EmbeddedStore::publish_now(std::string_view topic, store::TopicValue value,
                                                 std::string publisher_id) {
  State& s = *impl_->state;
  if (topic.empty()) return error(errc::invalid_argument);
  if (value.data.size() > s.limits.max_message_bytes) return error(errc::payload_too_large);
  std::vector<detail::WakeBatch> to_wake;
  std::uint64_t sequence = 0;
  {
    std::lock_guard lock(s.topic_mutex);
    auto found = s.topic(topic);
    if (!found) return found.error();
    sequence = (*found)->next_sequence();
    (*found)->publish(std::move(value), std::move(publisher_id), to_wake);
  }
  detail::wake(std::move(to_wake));  // outside the lock: the subscribers' loops take it from here
  return sequence;
}

result<std::size_t> EmbeddedStore::mirror(std::string_view topic,
                                          std::vector<store::TopicItem> items) {
  State& s = *impl_->state;
  std::vector<detail::WakeBatch> to_wake;
  std::size_t added = 0;
  {
    std::lock_guard lock(s.topic_mutex);
    auto found = s.topic(topic, true);
    if (!found) return found.error();
    for (auto& item : items) added += (*found)->mirror(std::move(item), to_wake) ? 1 : 0;
  }
  detail::wake(std::move(to_wake));
  return added;
}

std::optional<store::SubscribePosition> EmbeddedStore::position(std::string_view topic) const {
  State& s = *impl_->state;
  std::lock_guard lock(s.topic_mutex);
  auto it = s.topics.find(topic);
  if (it == s.topics.end()) return std::nullopt;
  return store::SubscribePosition{it->second->next_sequence(), it->second->sequence_page()};
}

awaitable<result<Events>> EmbeddedStore::topic_poll(std::string_view topic,
                                                    store::SubscribePosition from,
                                                    std::chrono::milliseconds max_wait) {
  // Not a coroutine itself: the topic name is copied now, while the caller's view is valid.
  return poll(impl_->state, std::string(topic), from, max_wait);
}

}  // namespace streampulse::embedded
