#pragma once
// Small files the file server has read, kept in memory: a hit skips the path resolution, the
// open and the reads (the manifest and the segments every viewer asks for). Bounded in bytes
// (oldest stored goes first) and in object size; an entry is trusted for `revalidate`, then
// checked against the file's size and modification time (its ETag) again. Thread-safe: the
// file routes run on every connection thread; entries are shared, so a hit costs a lock and a
// reference count, and an entry evicted while a response is in flight stays alive for it.
#include "streampulse/http/file_server.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace streampulse::http {

class FileCache {
 public:
  using Clock = std::chrono::steady_clock;

  FileCache(std::size_t max_bytes, std::size_t max_object_bytes,
            std::chrono::milliseconds revalidate)
      : max_bytes_(max_bytes), max_object_bytes_(max_object_bytes), revalidate_(revalidate) {}

  using EntityPtr = std::shared_ptr<const MemoryEntity>;

  // The entry when it was checked within `revalidate`; null otherwise (look at the file).
  EntityPtr fresh(std::string_view path, Clock::time_point now) const;
  // The entry when its ETag is `etag` (the file is unchanged): marks it checked at `now`.
  EntityPtr revalidate(std::string_view path, std::string_view etag, Clock::time_point now);
  // Whether a file of `size` bytes would be kept.
  bool wants(std::uint64_t size) const { return max_bytes_ > 0 && size <= max_object_bytes_; }
  // Keeps `entity` for `path`, evicting the oldest entries to make room.
  EntityPtr store(std::string_view path, MemoryEntity entity, Clock::time_point now);

  std::size_t bytes() const;
  std::size_t entries() const;

 private:
  struct Entry {
    EntityPtr entity;
    Clock::time_point checked;
    std::uint64_t age_key = 0;
  };
  void erase(std::map<std::string, Entry, std::less<>>::iterator it);

  mutable std::mutex mutex_;
  std::size_t max_bytes_;
  std::size_t max_object_bytes_;
  std::chrono::milliseconds revalidate_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::uint64_t, std::string> by_age_;
  std::uint64_t next_age_key_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace streampulse::http
