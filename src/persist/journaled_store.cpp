#include "streampulse/persist/journaled_store.hpp"

namespace streampulse::persist {

store::awaitable<store::result<void>> JournaledStore::dictionary_set(
    std::string_view dictionary, std::vector<store::FieldValue> items, store::CollectionTtl ttl) {
  if (!journal_ || dictionary != dictionary_)
    co_return co_await inner().dictionary_set(dictionary, std::move(items), ttl);
  // Encoded before the items move into the store; appended only once the write succeeded.
  std::string records;
  std::size_t count = 0;
  const core::EpochMs now = clock_.now_ms();
  for (const auto& item : items) {
    if (item.field.size() > 255) continue;  // never a valid player id
    journal::append_record(records, item.field, now, item.value);
    ++count;
  }
  auto written = co_await inner().dictionary_set(dictionary, std::move(items), ttl);
  if (written && count > 0) journal_->append(records, count);
  co_return written;
}

}  // namespace streampulse::persist
