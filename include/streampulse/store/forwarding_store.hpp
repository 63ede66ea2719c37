#pragma once
// A Store that passes every operation to an inner Store it owns: the base of a decorator. A
// decorator derives from it and overrides only the operations it intercepts, calling inner() for
// the rest of the work (persist::JournaledStore intercepts dictionary_set). A new operation of the
// port gets its forwarding here, once, and no decorator changes unless it intercepts it.
#include "streampulse/store/store.hpp"

#include <memory>
#include <utility>

namespace streampulse::store {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

  // ---- sorted sets ----
  awaitable<result<void>> sorted_set_put(std::string_view set, std::vector<ScoredMember> elements,
                                         CollectionTtl ttl) override {
    return inner_->sorted_set_put(set, std::move(elements), ttl);
  }
  awaitable<result<std::vector<ScoredMember>>> sorted_set_fetch_by_score(
      std::string_view set, ScoreRange range, std::optional<std::uint32_t> limit) override {
    return inner_->sorted_set_fetch_by_score(set, range, limit);
  }
  awaitable<result<std::uint64_t>> sorted_set_length_by_score(std::string_view set,
                                                              ScoreRange range) override {
    return inner_->sorted_set_length_by_score(set, range);
  }
  awaitable<result<void>> sorted_set_remove(std::string_view set,
                                            std::vector<std::string> values) override {
    return inner_->sorted_set_remove(set, std::move(values));
  }

  // ---- dictionaries ----
  awaitable<result<void>> dictionary_set(std::string_view dictionary, std::vector<FieldValue> items,
                                         CollectionTtl ttl) override {
    return inner_->dictionary_set(dictionary, std::move(items), ttl);
  }
  awaitable<result<std::vector<FieldValue>>> dictionary_fetch(
      std::string_view dictionary) override {
    return inner_->dictionary_fetch(dictionary);
  }
  awaitable<result<std::vector<std::optional<std::string>>>> dictionary_get(
      std::string_view dictionary, std::vector<std::string> fields) override {
    return inner_->dictionary_get(dictionary, std::move(fields));
  }
  awaitable<result<std::uint64_t>> dictionary_length(std::string_view dictionary) override {
    return inner_->dictionary_length(dictionary);
  }
  awaitable<result<void>> dictionary_remove(std::string_view dictionary,
                                            std::vector<std::string> fields) override {
    return inner_->dictionary_remove(dictionary, std::move(fields));
  }

  // ---- topics ----
  awaitable<result<void>> topic_publish(std::string_view topic, TopicValue value,
                                        std::string publisher_id) override {
    return inner_->topic_publish(topic, std::move(value), std::move(publisher_id));
  }
  awaitable<result<std::vector<SubscriptionEvent>>> topic_poll(
      std::string_view topic, SubscribePosition from, std::chrono::milliseconds max_wait) override {
    return inner_->topic_poll(topic, from, max_wait);
  }

  // ---- health ----
  awaitable<result<void>> ping() override { return inner_->ping(); }
  void shutdown() override { inner_->shutdown(); }

 protected:
  // The store this one decorates.
  Store& inner() { return *inner_; }

 private:
  std::unique_ptr<Store> inner_;
};

}  // namespace streampulse::store
