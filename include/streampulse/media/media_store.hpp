#pragma once
// The embedded backend's media object store: HLS manifests and segments uploaded with
// PUT /media/{path} (or `streampulse media upload`), kept in memory and served by GET /media/
// before the media folder. Bounded in object size and in total bytes. One thread, no locks.
#include "streampulse/core/clock.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace streampulse::media {

struct MediaStoreLimits {
  static constexpr std::size_t kMiB = 1024 * 1024;
  // The largest object (and PUT body) accepted: a few seconds of 4K video fit.
  static constexpr std::size_t kDefaultMaxObjectBytes = 32 * kMiB;

  std::size_t max_object_bytes = kDefaultMaxObjectBytes;
  std::size_t max_total_bytes = 256 * kMiB;  // sum of the objects' sizes
  // A cache rather than a store (the origin shield in front of Momento): a put that does not
  // fit evicts the objects stored longest ago instead of being refused.
  bool evict_oldest = false;

  // `total_mib` MiB in all (--media-store-mb); objects up to 32 MiB, never above the total.
  static MediaStoreLimits for_total_mib(std::size_t total_mib);
};

struct MediaObject {
  std::shared_ptr<const std::string> bytes;  // shared with responses in flight
  std::string content_type;                  // from the path's extension
  std::string etag;                          // strong: a digest of the bytes, quoted
  std::chrono::sys_seconds last_modified;    // unchanged by a re-upload of the same bytes
  core::EpochMs stored_at_ms = 0;            // when this copy was put (a cache's freshness)
  std::uint64_t age_key = 0;                 // insertion order, for eviction
};

enum class MediaPutOutcome {
  created,
  replaced,
  bad_path,    // breaks the path rules (valid_path)
  too_large,   // over max_object_bytes
  store_full,  // would take the total over max_total_bytes (a replaced object's size is freed)
};

class MediaStore {
 public:
  static constexpr std::size_t kMaxPathLength = 512;

  MediaStore(const core::Clock& clock, MediaStoreLimits limits);

  // The file server's rules (http::plain_relative_path) and at most kMaxPathLength characters.
  static bool valid_path(std::string_view path);

  // Stores or replaces the object at `path`. Refused puts change nothing.
  MediaPutOutcome put(std::string_view path, std::string bytes);
  // Null when absent; valid until the next put or erase. On the thread that writes only.
  const MediaObject* find(std::string_view path) const;
  // A copy of the object (its bytes shared), from any thread.
  std::optional<MediaObject> find_shared(std::string_view path) const;
  bool erase(std::string_view path);

  std::size_t object_count() const { return objects_.size(); }
  std::size_t total_bytes() const { return total_bytes_; }
  const MediaStoreLimits& limits() const { return limits_; }

 private:
  const core::Clock& clock_;
  MediaStoreLimits limits_;
  std::map<std::string, MediaObject, std::less<>> objects_;
  std::map<std::uint64_t, std::string> by_age_;  // age_key -> path, oldest first
  std::uint64_t next_age_key_ = 0;
  std::size_t total_bytes_ = 0;
  // Writes (put, erase) come from one thread, the state loop, and lock exclusively; readers
  // on other threads (find_shared) lock shared. find() on the writing thread needs no lock.
  mutable std::shared_mutex mutex_;
};

// A strong entity-tag for `bytes`: the first 128 bits of their SHA-256, hex, quoted.
std::string media_etag(std::string_view bytes);

}  // namespace streampulse::media
