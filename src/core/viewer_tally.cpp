#include "streampulse/core/viewer_tally.hpp"

#include <functional>

namespace streampulse::core {

void ViewerTally::change(std::uint64_t key, int tracked, int active) {
  if (tracked == 0 && active == 0) return;
  Stripe& s = stripes_[key % kStripes];
  std::lock_guard lock(s.mutex);
  auto [it, added] = s.viewers.try_emplace(key);
  Players& p = it->second;
  auto move = [](std::uint32_t& count, int delta, std::atomic<std::uint64_t>& distinct) {
    if (delta == 0) return;
    const bool was = count > 0;
    // A change below zero (a player never added) is ignored rather than wrapped.
    count = delta < 0 && count < static_cast<std::uint32_t>(-delta)
                ? 0
                : static_cast<std::uint32_t>(static_cast<std::int64_t>(count) + delta);
    if (was && count == 0) distinct.fetch_sub(1, std::memory_order_relaxed);
    if (!was && count > 0) distinct.fetch_add(1, std::memory_order_relaxed);
  };
  move(p.tracked, tracked, s.tracked);
  move(p.active, active, s.active);
  if (p.tracked == 0 && p.active == 0) s.viewers.erase(it);
}

std::uint64_t ViewerTally::tracked() const {
  std::uint64_t n = 0;
  for (const Stripe& s : stripes_) n += s.tracked.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t ViewerTally::active() const {
  std::uint64_t n = 0;
  for (const Stripe& s : stripes_) n += s.active.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t viewer_key(std::string_view viewer_id) {
  if (viewer_id.empty()) return 0;
  // A 64-bit hash: two viewers share a key with a probability of about n^2 / 2^65 (3e-8 for a
  // million viewers), an error far below the count's own.
  const std::uint64_t h = std::hash<std::string_view>{}(viewer_id);
  return h == 0 ? 1 : h;
}

std::shared_ptr<ViewerTally> StreamViewerTallies::of(const std::string& stream_id) {
  std::lock_guard lock(mutex_);
  auto& slot = streams_[stream_id];
  auto tally = slot.lock();
  if (!tally) {
    tally = std::make_shared<ViewerTally>();
    slot = tally;
    // Forget the streams nobody holds any more, so the map stays as small as the streams.
    if (streams_.size() > 64) std::erase_if(streams_, [](auto& e) { return e.second.expired(); });
  }
  return tally;
}

}  // namespace streampulse::core
