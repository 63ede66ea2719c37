#include "streampulse/core/stream_ids.hpp"

namespace streampulse::core {

const std::string* resolve_stream(const StreamIdSet& set, std::string_view requested) {
  if (requested.empty()) return &set.default_id;
  auto it = set.ids.find(requested);
  return it == set.ids.end() ? nullptr : &*it;
}

std::string count_topic_of(std::string_view default_topic, const std::string& default_id,
                           std::string_view stream_id) {
  std::string topic(default_topic);
  if (stream_id.empty() || stream_id == default_id) return topic;
  topic += '-';
  topic += stream_id;
  return topic;
}

StreamIds::StreamIds(std::string default_id) {
  auto set = std::make_shared<StreamIdSet>();
  set->ids.insert(default_id);
  set->default_id = std::move(default_id);
  set_ = std::move(set);
}

std::shared_ptr<const StreamIdSet> StreamIds::current() const {
  std::lock_guard lock(mutex_);
  return set_;
}

void StreamIds::replace(std::shared_ptr<const StreamIdSet> set) {
  std::lock_guard lock(mutex_);
  set_ = std::move(set);
}

}  // namespace streampulse::core
