#include "scalars.hpp"

namespace streampulse::testing::fake {

ScalarStore::SetResult ScalarStore::set(std::string key, std::string value, std::int64_t ttl_ms,
                                        std::int64_t now_ms) {
  const std::size_t size = key.size() + value.size();
  if (size > max_item_) return SetResult::item_too_large;
  remove(key);
  if (total_ + size > max_total_) sweep(now_ms);
  if (total_ + size > max_total_) return SetResult::store_full;
  total_ += size;
  entries_.insert_or_assign(std::move(key), Entry{std::move(value), now_ms + ttl_ms});
  return SetResult::ok;
}

std::optional<std::string> ScalarStore::get(std::string_view key, std::int64_t now_ms) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires_at_ms <= now_ms) {
    total_ -= it->first.size() + it->second.value.size();
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.value;
}

void ScalarStore::remove(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  total_ -= it->first.size() + it->second.value.size();
  entries_.erase(it);
}

void ScalarStore::sweep(std::int64_t now_ms) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.expires_at_ms <= now_ms) {
      total_ -= it->first.size() + it->second.value.size();
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace streampulse::testing::fake
