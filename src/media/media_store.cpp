#include "streampulse/media/media_store.hpp"

#include "streampulse/http/file_server.hpp"

#include <openssl/sha.h>

#include <algorithm>

namespace streampulse::media {

MediaStoreLimits MediaStoreLimits::for_total_mib(std::size_t total_mib) {
  MediaStoreLimits limits;
  limits.max_total_bytes = total_mib * kMiB;
  limits.max_object_bytes = std::min(kDefaultMaxObjectBytes, limits.max_total_bytes);
  return limits;
}

std::string media_etag(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < 16; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  out += '"';
  return out;
}

MediaStore::MediaStore(const core::Clock& clock, MediaStoreLimits limits)
    : clock_(clock), limits_(limits) {}

bool MediaStore::valid_path(std::string_view path) {
  return path.size() <= kMaxPathLength && http::plain_relative_path(path);
}

MediaPutOutcome MediaStore::put(std::string_view path, std::string bytes) {
  if (!valid_path(path)) return MediaPutOutcome::bad_path;
  if (bytes.size() > limits_.max_object_bytes) return MediaPutOutcome::too_large;
  std::unique_lock lock(mutex_);
  auto it = objects_.find(path);
  std::size_t freed = it == objects_.end() ? 0 : it->second.bytes->size();
  if (total_bytes_ - freed + bytes.size() > limits_.max_total_bytes) {
    if (!limits_.evict_oldest) return MediaPutOutcome::store_full;
    // Evict the oldest objects (never the one being replaced) until the new bytes fit.
    for (auto old = by_age_.begin();
         old != by_age_.end() && total_bytes_ - freed + bytes.size() > limits_.max_total_bytes;) {
      if (old->second == path) {
        ++old;
        continue;
      }
      const auto victim = objects_.find(old->second);
      total_bytes_ -= victim->second.bytes->size();
      objects_.erase(victim);
      old = by_age_.erase(old);
    }
    it = objects_.find(path);
    freed = it == objects_.end() ? 0 : it->second.bytes->size();
  }

  MediaObject object;
  object.etag = media_etag(bytes);
  object.content_type = std::string(http::content_type_for(path));
  object.last_modified = std::chrono::floor<std::chrono::seconds>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(clock_.now_ms())));
  // Same bytes again: keep the date, so caches holding it stay valid for If-Modified-Since.
  if (it != objects_.end() && it->second.etag == object.etag)
    object.last_modified = it->second.last_modified;
  object.bytes = std::make_shared<const std::string>(std::move(bytes));
  object.stored_at_ms = clock_.now_ms();
  object.age_key = next_age_key_++;

  total_bytes_ = total_bytes_ - freed + object.bytes->size();
  if (it != objects_.end()) {
    by_age_.erase(it->second.age_key);
    by_age_.emplace(object.age_key, it->first);
    it->second = std::move(object);
    return MediaPutOutcome::replaced;
  }
  by_age_.emplace(object.age_key, std::string(path));
  objects_.emplace(std::string(path), std::move(object));
  return MediaPutOutcome::created;
}

const MediaObject* MediaStore::find(std::string_view path) const {
  const auto it = objects_.find(path);
  return it == objects_.end() ? nullptr : &it->second;
}

std::optional<MediaObject> MediaStore::find_shared(std::string_view path) const {
  std::shared_lock lock(mutex_);
  const auto it = objects_.find(path);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

bool MediaStore::erase(std::string_view path) {
  std::unique_lock lock(mutex_);
  const auto it = objects_.find(path);
  if (it == objects_.end()) return false;
  total_bytes_ -= it->second.bytes->size();
  by_age_.erase(it->second.age_key);
  objects_.erase(it);
  return true;
}

}  // namespace streampulse::media
