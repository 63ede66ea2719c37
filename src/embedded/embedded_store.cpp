#include "streampulse/embedded/embedded_store.hpp"

#include "keyspace.hpp"
#include "sorted_set.hpp"
#include "topic.hpp"

#include "streampulse/core/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>
#include <utility>

namespace streampulse::embedded {

namespace asio = boost::asio;
using detail::Keyspace;
using detail::SortedSet;
using detail::Topic;
using store::awaitable;
using store::result;

namespace {

using Dictionary =
    std::unordered_map<std::string, std::string, detail::StringHash, std::equal_to<>>;
using Events = std::vector<store::SubscriptionEvent>;

boost::system::error_code error(errc e) { return make_error_code(e); }

bool valid_ttl(const store::CollectionTtl& ttl) { return ttl.ttl.count() > 0; }

bool valid_range(const store::ScoreRange& range) {
  return !(range.min && std::isnan(*range.min)) && !(range.max && std::isnan(*range.max));
}

// Pages are random so that a subscriber from a previous run of the process sees a new page and
// gets a discontinuity. Kept below 2^53 so they survive JavaScript numbers; never 0 ("none").
constexpr std::uint64_t kMaxPage = (std::uint64_t{1} << 53) - 1;

// Everything a suspended long-poll may touch after it wakes. Each poll holds a shared_ptr to it,
// so a store destroyed while polls are suspended leaves them a live (shut down) state.
struct State {
  State(asio::any_io_executor ex, const core::Clock& c, Limits l)
      : executor(std::move(ex)), clock(c), limits(l) {}

  // The current time; also frees collections that have expired since the last call.
  core::EpochMs now() {
    const core::EpochMs t = clock.now_ms();
    sorted_sets.sweep(t);
    dictionaries.sweep(t);
    return t;
  }

  // `mirrored`: a topic numbered elsewhere starts on page 0 ("no page yet"), so a subscriber
  // waiting before its first item takes that item's page without a discontinuity.
  result<Topic*> topic(std::string_view name, bool mirrored = false) {
    if (auto it = topics.find(name); it != topics.end()) return it->second.get();
    if (topics.size() >= limits.max_topics) return error(errc::resource_exhausted);
    std::uniform_int_distribution<std::uint64_t> page(1, kMaxPage);
    auto created = std::make_unique<Topic>(mirrored ? 0 : page(rng), limits.topic_history);
    return topics.emplace(std::string(name), std::move(created)).first->second.get();
  }

  void shutdown() {
    std::vector<detail::WakeBatch> to_wake;
    {
      std::lock_guard lock(topic_mutex);
      stopped = true;
      for (auto& [name, topic] : topics) topic->take_all(to_wake);
    }
    detail::wake(std::move(to_wake));
  }

  asio::any_io_executor executor;
  const core::Clock& clock;
  Limits limits;
  // The collections belong to `executor`'s thread.
  Keyspace<SortedSet> sorted_sets;
  Keyspace<Dictionary> dictionaries;
  // The topics are shared by every loop: publishes and long-polls come from the connections'
  // threads. Everything below is guarded by topic_mutex (topics are never removed, so a
  // Topic* stays valid).
  std::mutex topic_mutex;
  std::unordered_map<std::string, std::unique_ptr<Topic>, detail::StringHash, std::equal_to<>>
      topics;
  std::size_t waiting = 0;
  std::atomic<bool> stopped = false;
  std::mt19937_64 rng{std::random_device{}()};
};

}  // namespace

struct EmbeddedStore::Impl {
  std::shared_ptr<State> state;
};

namespace {

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

EmbeddedStore::EmbeddedStore(asio::any_io_executor executor, const core::Clock& clock,
                             Limits limits)
    : impl_(std::make_unique<Impl>(
          Impl{std::make_shared<State>(std::move(executor), clock, limits)})) {}

EmbeddedStore::~EmbeddedStore() { impl_->state->shutdown(); }

// ---- sorted sets ----

awaitable<result<void>> EmbeddedStore::sorted_set_put(std::string_view set,
                                                      std::vector<store::ScoredMember> elements,
                                                      store::CollectionTtl ttl) {
  if (set.empty() || !valid_ttl(ttl)) co_return error(errc::invalid_argument);
  for (const auto& e : elements) {
    if (std::isnan(e.score)) co_return error(errc::invalid_argument);
  }
  State& s = *impl_->state;
  const core::EpochMs now = s.now();
  if (elements.empty()) co_return result<void>{};
  SortedSet& target = s.sorted_sets.for_write(set, now, ttl);
  for (auto& e : elements) target.put(std::move(e.value), e.score);
  co_return result<void>{};
}

awaitable<result<std::vector<store::ScoredMember>>> EmbeddedStore::sorted_set_fetch_by_score(
    std::string_view set, store::ScoreRange range, std::optional<std::uint32_t> limit) {
  if (!valid_range(range)) co_return error(errc::invalid_argument);
  State& s = *impl_->state;
  const SortedSet* found = s.sorted_sets.find(set, s.now());
  if (found == nullptr) co_return std::vector<store::ScoredMember>{};
  co_return found->fetch_by_score(range, limit);
}

awaitable<result<std::uint64_t>> EmbeddedStore::sorted_set_length_by_score(
    std::string_view set, store::ScoreRange range) {
  if (!valid_range(range)) co_return error(errc::invalid_argument);
  State& s = *impl_->state;
  const SortedSet* found = s.sorted_sets.find(set, s.now());
  co_return found == nullptr ? 0 : found->length_by_score(range);
}

awaitable<result<void>> EmbeddedStore::sorted_set_remove(std::string_view set,
                                                         std::vector<std::string> values) {
  State& s = *impl_->state;
  SortedSet* found = s.sorted_sets.find(set, s.now());
  if (found == nullptr) co_return result<void>{};
  for (const auto& v : values) found->remove(v);
  if (found->empty()) s.sorted_sets.erase(set);
  co_return result<void>{};
}

// ---- dictionaries ----

awaitable<result<void>> EmbeddedStore::dictionary_set(std::string_view dictionary,
                                                      std::vector<store::FieldValue> items,
                                                      store::CollectionTtl ttl) {
  if (dictionary.empty() || !valid_ttl(ttl)) co_return error(errc::invalid_argument);
  State& s = *impl_->state;
  const core::EpochMs now = s.now();
  if (items.empty()) co_return result<void>{};
  Dictionary& target = s.dictionaries.for_write(dictionary, now, ttl);
  for (auto& item : items) target.insert_or_assign(std::move(item.field), std::move(item.value));
  co_return result<void>{};
}

awaitable<result<std::vector<store::FieldValue>>> EmbeddedStore::dictionary_fetch(
    std::string_view dictionary) {
  State& s = *impl_->state;
  std::vector<store::FieldValue> out;
  if (const Dictionary* found = s.dictionaries.find(dictionary, s.now())) {
    out.reserve(found->size());
    for (const auto& [field, value] : *found) out.push_back({field, value});
  }
  co_return out;
}

awaitable<result<std::vector<std::optional<std::string>>>> EmbeddedStore::dictionary_get(
    std::string_view dictionary, std::vector<std::string> fields) {
  State& s = *impl_->state;
  const Dictionary* found = s.dictionaries.find(dictionary, s.now());
  std::vector<std::optional<std::string>> out(fields.size());
  if (found != nullptr) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (auto it = found->find(fields[i]); it != found->end()) out[i] = it->second;
    }
  }
  co_return out;
}

awaitable<result<std::uint64_t>> EmbeddedStore::dictionary_length(std::string_view dictionary) {
  State& s = *impl_->state;
  const Dictionary* found = s.dictionaries.find(dictionary, s.now());
  co_return found == nullptr ? 0 : found->size();
}

awaitable<result<void>> EmbeddedStore::dictionary_remove(std::string_view dictionary,
                                                         std::vector<std::string> fields) {
  State& s = *impl_->state;
  Dictionary* found = s.dictionaries.find(dictionary, s.now());
  if (found == nullptr) co_return result<void>{};
  for (const auto& f : fields) {
    if (auto it = found->find(f); it != found->end()) found->erase(it);
  }
  if (found->empty()) s.dictionaries.erase(dictionary);
  co_return result<void>{};
}

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

// ---- health ----

awaitable<result<void>> EmbeddedStore::ping() {
  // After shutdown() the store reports itself unavailable so readiness checks fail.
  if (impl_->state->stopped) co_return error(errc::unavailable);
  co_return result<void>{};
}

void EmbeddedStore::shutdown() { impl_->state->shutdown(); }

std::size_t EmbeddedStore::waiting_polls() const {
  std::lock_guard lock(impl_->state->topic_mutex);
  return impl_->state->waiting;
}

}  // namespace streampulse::embedded
