#pragma once
// Which stream each player of one audience shard watches, and each stream's active count
// (issue 15, part 2): players seen within the active window, per stream, kept as heartbeats
// arrive so that reading every stream's count costs O(streams), not O(players); and each
// stream's audience index, for its dashboard (GET /api/dashboard?stream=).
//
// A player belongs to one stream, the one its latest heartbeat named: a heartbeat for another
// stream moves it (a page that switches streams keeps its player id). Pure; used on its shard's
// loop only (service/audience.hpp), the clock passed in.
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/clock.hpp"
#include "streampulse/core/heartbeat.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace streampulse::core {

struct StreamFigures {
  std::uint64_t active = 0;  // seen within the active window
  std::uint64_t total = 0;   // tracked (within the retention)
};

class StreamActivity {
 public:
  // `viewers`: each stream's unique-viewer tallies, shared with the audience's other shards
  // (null: this activity's own, per stream).
  explicit StreamActivity(EpochMs active_window_ms = 1500,
                          std::shared_ptr<StreamViewerTallies> viewers = nullptr)
      : window_(active_window_ms), viewers_(std::move(viewers)) {}

  // A recorded heartbeat at `now`, of the stream it names (hb.stream_id, resolved).
  void seen(const Heartbeat& hb, EpochMs now);
  // The same with only the ids (the counts, no dashboard figures).
  void seen(std::string_view player_id, std::string_view stream_id, EpochMs now);
  void remove(std::string_view player_id);
  // Drops players last seen before `cutoff`, and those `keep` says no to (the registry evicted
  // or pruned them); how many were dropped.
  template <class Keep>
  std::size_t prune(EpochMs cutoff, Keep keep) {
    std::size_t dropped = 0;
    for (auto it = players_.begin(); it != players_.end();) {
      if (it->second.last_seen < cutoff || !keep(it->first)) {
        forget(it->second, it->first);
        it = players_.erase(it);
        ++dropped;
      } else {
        ++it;
      }
    }
    return dropped;
  }

  // Every stream with a tracked player: its figures at `now`.
  std::map<std::string, StreamFigures> figures(EpochMs now);
  // A stream's audience summary (core::merge_summaries adds the shards'); nullopt: no player.
  std::optional<AudienceSummary> summary(std::string_view stream_id, EpochMs now);
  // The stream of a tracked player (nullptr: none).
  const std::string* stream_of(std::string_view player_id) const;
  std::size_t players() const { return players_.size(); }
  std::size_t streams() const { return streams_.size(); }

 private:
  struct Player {
    std::string stream;
    EpochMs last_seen = 0;  // the key of its place in its stream's `recent`
  };
  struct Stream {
    Stream(EpochMs window, std::shared_ptr<ViewerTally> viewers)
        : index(window, std::move(viewers)) {}
    AudienceIndex index;                      // its players' figures
    std::map<EpochMs, std::uint32_t> recent;  // last seen -> players; within the window only
    std::uint64_t active = 0;                 // the sum of `recent`
    std::uint64_t total = 0;
    EpochMs trimmed_to = 0;  // times before this one have left `recent`
  };
  void trim(Stream& s, EpochMs now);
  // Takes the player out of its stream's figures (forget_time: out of its active count only).
  void forget(const Player& p, std::string_view player_id);
  void forget_time(const Player& p);

  EpochMs window_;
  std::shared_ptr<StreamViewerTallies> viewers_;
  std::unordered_map<std::string, Player> players_;
  std::unordered_map<std::string, Stream> streams_;
  Stream& stream(const std::string& id);
};

}  // namespace streampulse::core
