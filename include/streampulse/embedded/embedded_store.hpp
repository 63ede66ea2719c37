#pragma once
// The embedded backend: sorted sets, dictionaries and topics in process memory, with
// Momento's semantics (collection TTLs, topic sequence numbers and pages, discontinuities).
//
// Threading: the collections (sorted sets, dictionaries) belong to the executor's thread and take
// no locks. The topics are shared by every thread (publishes and long-polls come from the
// connections' loops): they are behind a lock, and a long-poll waits on its caller's own loop
// (a single-threaded io_context), woken there by a post, one per loop per publish.
#include "streampulse/core/clock.hpp"
#include "streampulse/store/store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace streampulse::embedded {

struct Limits {
  std::size_t topic_history = 256;  // messages kept per topic for resuming subscribers
  std::size_t max_topics = 1024;    // distinct topics; publishing to more fails
  std::size_t max_message_bytes = store::kMaxTopicMessageBytes;
  std::size_t max_waiting_polls = 1024;  // concurrent long-polls across all topics
};

class EmbeddedStore final : public store::Store, public store::ImmediateTopics {
 public:
  EmbeddedStore(boost::asio::any_io_executor executor, const core::Clock& clock,
                Limits limits = {});
  ~EmbeddedStore() override;

  store::awaitable<store::result<void>> sorted_set_put(std::string_view set,
                                                       std::vector<store::ScoredMember> elements,
                                                       store::CollectionTtl ttl) override;
  store::awaitable<store::result<std::vector<store::ScoredMember>>> sorted_set_fetch_by_score(
      std::string_view set, store::ScoreRange range, std::optional<std::uint32_t> limit) override;
  store::awaitable<store::result<std::uint64_t>> sorted_set_length_by_score(
      std::string_view set, store::ScoreRange range) override;
  store::awaitable<store::result<void>> sorted_set_remove(std::string_view set,
                                                          std::vector<std::string> values) override;

  store::awaitable<store::result<void>> dictionary_set(std::string_view dictionary,
                                                       std::vector<store::FieldValue> items,
                                                       store::CollectionTtl ttl) override;
  store::awaitable<store::result<std::vector<store::FieldValue>>> dictionary_fetch(
      std::string_view dictionary) override;
  store::awaitable<store::result<std::vector<std::optional<std::string>>>> dictionary_get(
      std::string_view dictionary, std::vector<std::string> fields) override;
  store::awaitable<store::result<std::uint64_t>> dictionary_length(
      std::string_view dictionary) override;
  store::awaitable<store::result<void>> dictionary_remove(std::string_view dictionary,
                                                          std::vector<std::string> fields) override;

  store::awaitable<store::result<void>> topic_publish(std::string_view topic,
                                                      store::TopicValue value,
                                                      std::string publisher_id) override;
  store::awaitable<store::result<std::vector<store::SubscriptionEvent>>> topic_poll(
      std::string_view topic, store::SubscribePosition from,
      std::chrono::milliseconds max_wait) override;

  store::awaitable<store::result<void>> ping() override;
  void shutdown() override;

  // topic_publish at once, from any thread: the message's sequence number.
  store::result<std::uint64_t> publish_now(std::string_view topic, store::TopicValue value,
                                           std::string publisher_id) override;

  // Appends items numbered elsewhere to `topic` (the Redis backend's mirror of a stream:
  // redis/redis_store.hpp) and wakes its waiters; any thread. How many were new.
  store::result<std::size_t> mirror(std::string_view topic, std::vector<store::TopicItem> items);
  // The next sequence number and page `topic` holds (nullopt: no such topic yet); any thread.
  std::optional<store::SubscribePosition> position(std::string_view topic) const;

  // Synchronous views for the benchmarks and tests (same semantics as the awaitables).
  std::size_t waiting_polls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streampulse::embedded
