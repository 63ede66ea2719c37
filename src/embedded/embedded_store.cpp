// EmbeddedStore: the store port in this process's memory: its life, collections and health.
#include "embedded_state.hpp"

#include <cmath>

namespace streampulse::embedded {

namespace asio = boost::asio;
using detail::Dictionary;
using detail::error;
using detail::SortedSet;
using detail::State;
using store::awaitable;
using store::result;

namespace {

bool valid_ttl(const store::CollectionTtl& ttl) { return ttl.ttl.count() > 0; }

bool valid_range(const store::ScoreRange& range) {
  return !(range.min && std::isnan(*range.min)) && !(range.max && std::isnan(*range.max));
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
