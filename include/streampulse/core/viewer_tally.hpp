#pragma once
// Unique viewers: how many distinct viewers (browser profiles, `viewerId`) the players of an
// audience belong to. The players are sharded over the event loops by player id, so two tabs of
// one viewer may sit on different shards: the shards of one audience share one tally, which
// counts keys (a hash of the viewer id) with the number of tracked and of active players of
// each. A shard touches it only when a player joins or leaves (not per heartbeat); it is split
// into stripes, each behind its own mutex held for one hash-map operation, so shards rarely
// wait on one another.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/unordered/unordered_flat_map.hpp>

namespace streampulse::core {

class ViewerTally {
 public:
  // A viewer's players: `tracked` more (or fewer) tracked, `active` more (or fewer) active.
  void change(std::uint64_t key, int tracked, int active);
  std::uint64_t tracked() const;  // viewers with a tracked player
  std::uint64_t active() const;   // viewers with an active player

 private:
  struct Players {
    std::uint32_t tracked = 0, active = 0;
  };
  struct alignas(64) Stripe {
    std::mutex mutex;
    // Open addressing, 16 bytes a slot: the tally costs about 25 bytes per viewer.
    boost::unordered_flat_map<std::uint64_t, Players> viewers;
    std::atomic<std::uint64_t> tracked{0}, active{0};
  };
  static constexpr std::size_t kStripes = 16;
  std::array<Stripe, kStripes> stripes_;
};

// The key of a player's viewer id; 0 for none (the player is a viewer of its own, counted
// by its index without the shared tally: AudienceIndex).
std::uint64_t viewer_key(std::string_view viewer_id);

// One tally per stream, shared by the shards (each shard's per-stream index asks for its
// stream's). Thread-safe; a stream's tally lives while an index holds it.
class StreamViewerTallies {
 public:
  std::shared_ptr<ViewerTally> of(const std::string& stream_id);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<ViewerTally>> streams_;
};

}  // namespace streampulse::core
