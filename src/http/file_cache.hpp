#pragma once
// Small files the file server has read, kept in memory: a hit skips the path resolution, the
// open and the reads (the manifest and the segments every viewer asks for). Bounded in bytes
// (oldest stored goes first) and in object size; an entry is trusted for `revalidate`, then
// checked against the file's size and modification time (its ETag) again.
#include "streampulse/http/file_server.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace streampulse::http {

class FileCache {
 public:
  using Clock = std::chrono::steady_clock;

  FileCache(std::size_t max_bytes, std::size_t max_object_bytes,
            std::chrono::milliseconds revalidate)
      : max_bytes_(max_bytes), max_object_bytes_(max_object_bytes), revalidate_(revalidate) {}

  // The entry when it was checked within `revalidate`; null otherwise (look at the file).
  const MemoryEntity* fresh(std::string_view path, Clock::time_point now) const;
  // The entry when its ETag is `etag` (the file is unchanged): marks it checked at `now`.
  const MemoryEntity* revalidate(std::string_view path, std::string_view etag,
                                 Clock::time_point now);
  // Whether a file of `size` bytes would be kept.
  bool wants(std::uint64_t size) const { return max_bytes_ > 0 && size <= max_object_bytes_; }
  // Keeps `entity` for `path`, evicting the oldest entries to make room.
  const MemoryEntity& store(std::string_view path, MemoryEntity entity, Clock::time_point now);

  std::size_t bytes() const { return bytes_; }
  std::size_t entries() const { return entries_.size(); }

 private:
  struct Entry {
    MemoryEntity entity;
    Clock::time_point checked;
    std::uint64_t age_key = 0;
  };
  void erase(std::map<std::string, Entry, std::less<>>::iterator it);

  std::size_t max_bytes_;
  std::size_t max_object_bytes_;
  std::chrono::milliseconds revalidate_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::uint64_t, std::string> by_age_;
  std::uint64_t next_age_key_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace streampulse::http
