#pragma once
// The store port with a journal (STREAMPULSE_DATA_DIR, embedded backend): every entry written to
// the `analytics` dictionary is also appended to the journal with the time it was written, once
// the write succeeded. It journals exactly what the registry stored (the player's accumulated
// record, not the heartbeat's deltas), so replaying the journal gives back the same dictionary,
// whatever rules the registry applies. Everything else is passed through untouched.
#include "streampulse/core/clock.hpp"
#include "streampulse/persist/journal.hpp"
#include "streampulse/store/store.hpp"

#include <memory>

namespace streampulse::persist {

class JournaledStore final : public store::Store {
 public:
  JournaledStore(std::unique_ptr<store::Store> inner, std::string dictionary,
                 const core::Clock& clock)
      : inner_(std::move(inner)), dictionary_(std::move(dictionary)), clock_(clock) {}

  // Journals from now on; null: passes through only (before the restore).
  void attach(Journal* journal) { journal_ = journal; }

  store::awaitable<store::result<void>> sorted_set_put(std::string_view set,
                                                       std::vector<store::ScoredMember> elements,
                                                       store::CollectionTtl ttl) override {
    return inner_->sorted_set_put(set, std::move(elements), ttl);
  }
  store::awaitable<store::result<std::vector<store::ScoredMember>>> sorted_set_fetch_by_score(
      std::string_view set, store::ScoreRange range, std::optional<std::uint32_t> limit) override {
    return inner_->sorted_set_fetch_by_score(set, range, limit);
  }
  store::awaitable<store::result<std::uint64_t>> sorted_set_length_by_score(
      std::string_view set, store::ScoreRange range) override {
    return inner_->sorted_set_length_by_score(set, range);
  }
  store::awaitable<store::result<void>> sorted_set_remove(
      std::string_view set, std::vector<std::string> values) override {
    return inner_->sorted_set_remove(set, std::move(values));
  }
  store::awaitable<store::result<void>> dictionary_set(std::string_view dictionary,
                                                       std::vector<store::FieldValue> items,
                                                       store::CollectionTtl ttl) override;
  store::awaitable<store::result<std::vector<store::FieldValue>>> dictionary_fetch(
      std::string_view dictionary) override {
    return inner_->dictionary_fetch(dictionary);
  }
  store::awaitable<store::result<std::vector<std::optional<std::string>>>> dictionary_get(
      std::string_view dictionary, std::vector<std::string> fields) override {
    return inner_->dictionary_get(dictionary, std::move(fields));
  }
  store::awaitable<store::result<std::uint64_t>> dictionary_length(
      std::string_view dictionary) override {
    return inner_->dictionary_length(dictionary);
  }
  store::awaitable<store::result<void>> dictionary_remove(
      std::string_view dictionary, std::vector<std::string> fields) override {
    return inner_->dictionary_remove(dictionary, std::move(fields));
  }
  store::awaitable<store::result<void>> topic_publish(std::string_view topic,
                                                      store::TopicValue value,
                                                      std::string publisher_id) override {
    return inner_->topic_publish(topic, std::move(value), std::move(publisher_id));
  }
  store::awaitable<store::result<std::vector<store::SubscriptionEvent>>> topic_poll(
      std::string_view topic, store::SubscribePosition from,
      std::chrono::milliseconds max_wait) override {
    return inner_->topic_poll(topic, from, max_wait);
  }
  store::awaitable<store::result<void>> ping() override { return inner_->ping(); }
  void shutdown() override { inner_->shutdown(); }

 private:
  std::unique_ptr<store::Store> inner_;
  std::string dictionary_;
  const core::Clock& clock_;
  Journal* journal_ = nullptr;
};

}  // namespace streampulse::persist
