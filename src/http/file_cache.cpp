#include "file_cache.hpp"

namespace streampulse::http {

const MemoryEntity* FileCache::fresh(std::string_view path, Clock::time_point now) const {
  const auto it = entries_.find(path);
  if (it == entries_.end() || now - it->second.checked > revalidate_) return nullptr;
  return &it->second.entity;
}

const MemoryEntity* FileCache::revalidate(std::string_view path, std::string_view etag,
                                          Clock::time_point now) {
  const auto it = entries_.find(path);
  if (it == entries_.end()) return nullptr;
  if (it->second.entity.etag != etag) {
    erase(it);  // the file changed: the caller reads it again
    return nullptr;
  }
  it->second.checked = now;
  return &it->second.entity;
}

void FileCache::erase(std::map<std::string, Entry, std::less<>>::iterator it) {
  bytes_ -= it->second.entity.bytes->size();
  by_age_.erase(it->second.age_key);
  entries_.erase(it);
}

const MemoryEntity& FileCache::store(std::string_view path, MemoryEntity entity,
                                     Clock::time_point now) {
  if (auto it = entries_.find(path); it != entries_.end()) erase(it);
  const std::size_t size = entity.bytes->size();
  while (!by_age_.empty() && bytes_ + size > max_bytes_)
    erase(entries_.find(by_age_.begin()->second));
  const auto key = next_age_key_++;
  by_age_.emplace(key, std::string(path));
  bytes_ += size;
  auto [it, inserted] = entries_.emplace(std::string(path), Entry{std::move(entity), now, key});
  return it->second.entity;
}

}  // namespace streampulse::http
