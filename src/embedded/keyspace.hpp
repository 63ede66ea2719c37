#pragma once
// Named collections with Momento's collection TTL. Private to the embedded backend.
//
// An expired collection is treated as missing and freed the moment it is looked up. Collections
// nobody touches again (e.g. per-minute counters) are freed by sweep(), which the store calls on
// every operation: a min-heap holds at most one live entry per collection, so a hot collection
// whose TTL is refreshed thousands of times a second costs one heap entry, not thousands.
#include "streampulse/core/clock.hpp"
#include "streampulse/store/store.hpp"

#include <cstddef>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace streampulse::embedded::detail {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

template <class T>
class Keyspace {
 public:
  // The live collection called `name`, or nullptr; frees it when it has expired.
  T* find(std::string_view name, core::EpochMs now) {
    auto it = entries_.find(name);
    if (it == entries_.end()) return nullptr;
    if (it->second.expires_at <= now) {
      entries_.erase(it);
      return nullptr;
    }
    return &it->second.value;
  }

  // The collection for a write, created when missing, with its expiry set per CollectionTtl.
  T& for_write(std::string_view name, core::EpochMs now, store::CollectionTtl ttl) {
    // Saturates: a TTL of "forever" must not overflow into the past.
    const core::EpochMs room = std::numeric_limits<core::EpochMs>::max() - now;
    const core::EpochMs expires_at = ttl.ttl.count() > room ? now + room : now + ttl.ttl.count();
    auto it = entries_.find(name);
    if (it != entries_.end() && it->second.expires_at <= now) {
      entries_.erase(it);
      it = entries_.end();
    }
    if (it == entries_.end()) {
      it = entries_.emplace(std::string(name), Entry{T{}, expires_at, expires_at}).first;
      heap_.push({expires_at, it->first});
    } else if (ttl.refresh) {
      Entry& e = it->second;
      e.expires_at = expires_at;
      // A shorter TTL than the one scheduled needs an earlier heap entry; the old one goes stale.
      if (expires_at < e.scheduled_at) {
        e.scheduled_at = expires_at;
        heap_.push({expires_at, it->first});
      }
    }
    return it->second.value;
  }

  void erase(std::string_view name) {
    if (auto it = entries_.find(name); it != entries_.end()) entries_.erase(it);
  }

  // Frees every collection that expired at or before `now`.
  void sweep(core::EpochMs now) {
    while (!heap_.empty() && heap_.top().first <= now) {
      auto [when, name] = heap_.top();
      heap_.pop();
      auto it = entries_.find(name);
      // Missing, or a stale entry (the collection was rescheduled or recreated since).
      if (it == entries_.end() || it->second.scheduled_at != when) continue;
      if (it->second.expires_at <= now) {
        entries_.erase(it);
      } else {
        it->second.scheduled_at = it->second.expires_at;
        heap_.push({it->second.expires_at, std::move(name)});
      }
    }
  }

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    T value;
    core::EpochMs expires_at;
    core::EpochMs scheduled_at;  // when this collection's live heap entry fires
  };
  using HeapItem = std::pair<core::EpochMs, std::string>;

  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries_;
  std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<>> heap_;
};

}  // namespace streampulse::embedded::detail
