#include "file_cache.hpp"

namespace streampulse::http {

FileCache::EntityPtr FileCache::fresh(std::string_view path, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(path);
  if (it == entries_.end() || now - it->second.checked > revalidate_) return nullptr;
  return it->second.entity;
}

FileCache::EntityPtr FileCache::revalidate(std::string_view path, std::string_view etag,
                                           Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(path);
  if (it == entries_.end()) return nullptr;
  if (it->second.entity->etag != etag) {
    erase(it);  // the file changed: the caller reads it again
    return nullptr;
  }
  it->second.checked = now;
  return it->second.entity;
}

void FileCache::erase(std::map<std::string, Entry, std::less<>>::iterator it) {
  bytes_ -= it->second.entity->bytes->size();
  by_age_.erase(it->second.age_key);
  entries_.erase(it);
}

FileCache::EntityPtr FileCache::store(std::string_view path, MemoryEntity entity,
                                      Clock::time_point now) {
  auto shared = std::make_shared<const MemoryEntity>(std::move(entity));
  const std::size_t size = shared->bytes->size();
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(path); it != entries_.end()) erase(it);
  while (!by_age_.empty() && bytes_ + size > max_bytes_)
    erase(entries_.find(by_age_.begin()->second));
  const auto key = next_age_key_++;
  by_age_.emplace(key, std::string(path));
  bytes_ += size;
  entries_.emplace(std::string(path), Entry{shared, now, key});
  return shared;
}

std::size_t FileCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t FileCache::entries() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace streampulse::http
