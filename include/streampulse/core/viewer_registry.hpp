#pragma once
// The viewer registry: the original demo's rules for a heartbeat, written through the store
// port so they run unchanged on both backends.
//   1. sorted set `activePlayers`: playerId -> now
//   2. dictionary `analytics`: playerId -> that heartbeat (overwrite)
//   3. the active count (players seen within the active window), for the count publisher
// It also keeps the audience index the dashboard reads, and removes players past retention.
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/clock.hpp"
#include "streampulse/core/dashboard.hpp"
#include "streampulse/core/player_cap.hpp"
#include "streampulse/store/store.hpp"

#include <atomic>
#include <functional>
#include <memory>

namespace streampulse::core {

struct RegistrySettings {
  std::string active_set = "activePlayers";
  std::string analytics_dictionary = "analytics";
  EpochMs active_window_ms = 1500;
  EpochMs retention_ms = 3'600'000;
  std::uint32_t prune_batch = 1000;
  // Players tracked at once (core/player_cap.hpp): past it a new player evicts the
  // longest-silent inactive one, or is refused (errc::too_many_players) when all are active.
  std::size_t max_players = kDefaultMaxPlayers;
  // Players tracked by every registry sharing the cap (the audience's shards:
  // service/audience.hpp), kept up to date by each; null: this registry alone holds the cap. With
  // it, the cap is the whole audience's, and a new player at the cap evicts its own shard's
  // longest-silent player.
  std::shared_ptr<std::atomic<std::int64_t>> shared_tracked;
  // Write the sorted set and the dictionary at the same time (a remote backend: one round trip
  // per heartbeat instead of two). Off for the embedded store, where both finish at once and
  // the parallel group would only cost two coroutine spawns per heartbeat.
  bool concurrent_writes = false;
  // The unique-viewer tallies of the whole audience, shared by its shards' indexes (null: the
  // registry's own).
  std::shared_ptr<ViewerTally> viewers;
};

class ViewerRegistry {
 public:
  ViewerRegistry(store::Store& store, const Clock& clock, RegistrySettings settings);

  // Actions 1 and 2 for one valid heartbeat, and the index update. A new player past the cap
  // first evicts the longest-silent inactive player; errc::too_many_players when every tracked
  // player is active (nothing changed). `write_store` false: the index only (on Redis, a
  // heartbeat another instance received and writes itself).
  store::awaitable<store::result<void>> record(const Heartbeat& hb, bool write_store = true);

  // True when a heartbeat of `player_id` would be refused now: a new player, the cap reached,
  // and the oldest last-seen read last says every tracked player is active. False when unsure
  // (record() decides then). Lets a publish answer 429 at once, changing nothing.
  bool would_refuse(std::string_view player_id) const;

  // Players whose last heartbeat is within the active window.
  store::awaitable<store::result<std::uint64_t>> active_count();

  store::awaitable<store::result<DashboardMetrics>> dashboard();

  // Removes players not seen within the retention; returns how many were removed.
  store::awaitable<store::result<std::size_t>> prune();

  // Fills the index from the store (after a restart, or when another instance wrote it).
  // `each`, when set, is called with every player loaded and when it was last seen (the
  // streams' activity is restored from it: service::Audience::activity_restorer).
  using LoadedPlayer = std::function<void(const Heartbeat&, EpochMs last_seen)>;
  store::awaitable<store::result<std::size_t>> load(LoadedPlayer each = {});

  // Called (on the recording thread) when a recorded heartbeat makes a player active: a new
  // player, or one back after the active window. The count publisher uses it to publish a
  // join at once instead of at its next tick. Empty: nobody listens.
  void set_join_observer(std::function<void()> observer) { on_join_ = std::move(observer); }

  const RegistrySettings& settings() const { return settings_; }
  std::size_t tracked_players() const { return index_.size(); }
  const AudienceIndex& index() const { return index_; }
  AudienceIndex& index() { return index_; }
  std::uint64_t players_evicted() const { return evicted_; }
  std::uint64_t players_refused() const { return refused_; }
  // Counts a new player refused before record() was called (would_refuse said so).
  void count_refusal() { ++refused_; }

 private:
  store::Store& store_;
  const Clock& clock_;
  RegistrySettings settings_;
  void upsert(const Heartbeat& hb, EpochMs now);
  // Applies the cap for `player_id`: a player tracked already, or a new one admitted (counted
  // in admitting_ until recorded).
  enum class Placed { tracked, admitted };
  store::awaitable<store::result<Placed>> make_room(const std::string& player_id);
  store::awaitable<store::result<void>> evict(std::string player_id);

  // Players tracked (and admissions in flight), by this registry or by all sharing the cap.
  std::size_t tracked() const;
  // Takes a place for a new player (in admitting_, and in the shared count at once); false when
  // another shard took the last place meanwhile. True at once for a known player.
  bool reserve(bool known);
  // Brings settings_.shared_tracked up to date after index_ or admitting_ changed.
  void account();

  AudienceIndex index_;
  std::int64_t accounted_ = 0;  // what this registry has added to shared_tracked
  std::uint64_t prunes_ = 0;
  std::size_t admitting_ = 0;  // new players admitted whose writes are in flight
  std::uint64_t evicted_ = 0, refused_ = 0;
  std::optional<EpochMs> oldest_seen_;  // the sorted set's first score when last read
  std::function<void()> on_join_;
};

}  // namespace streampulse::core
