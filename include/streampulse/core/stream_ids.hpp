#pragma once
// The ids of the streams in the catalog, readable from every loop (issue 15). The catalog
// (core/stream_catalog.hpp) changes on the state loop only, but heartbeats are checked on every
// loop: each change of the catalog publishes a new immutable set, and readers take the current
// one under a mutex held for a pointer copy only (never per stream, never while checking).
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace streampulse::core {

struct StreamIdSet {
  std::string default_id;
  std::set<std::string, std::less<>> ids;  // the default's included
  bool contains(std::string_view id) const { return ids.find(id) != ids.end(); }
};

// The stream a heartbeat belongs to: `requested` when it names a stream in `set`, the default
// stream when it names none (empty); nullptr when it names a stream not in the catalog.
const std::string* resolve_stream(const StreamIdSet& set, std::string_view requested);

// The count topic of a stream: `default_topic` (viewerCount, the original's) for the default
// stream, `<default_topic>-<id>` for the others.
std::string count_topic_of(std::string_view default_topic, const std::string& default_id,
                           std::string_view stream_id);

class StreamIds {
 public:
  explicit StreamIds(std::string default_id);
  std::shared_ptr<const StreamIdSet> current() const;
  void replace(std::shared_ptr<const StreamIdSet> set);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const StreamIdSet> set_;
};

}  // namespace streampulse::core
