#pragma once
// The audience, sharded over the event loops so that heartbeat work grows with cores. A player
// belongs to one shard, by a hash of its id; each shard owns, on its own loop and without locks:
// its store of collections (the embedded backend: the sorted set and dictionary of its players),
// its viewer registry (with its slice of the players cap and its audience index), its heartbeat
// pipeline (validation, token bindings, deduplication) and its webhook replay memory. Nothing
// per heartbeat runs on a shared thread: a heartbeat hops from the connection's loop to its
// player's shard (no hop when they are the same loop) and back with the answer.
//
// What spans the shards is merged from them: the active count (a sum), the dashboard (the
// merge of the index summaries, core::merge_summaries), the figures /metrics shows. On the
// Momento backend there is one shard, on the state loop (the collections live in Momento).
#include "streampulse/core/dashboard.hpp"
#include "streampulse/core/replay_window.hpp"
#include "streampulse/core/stream_activity.hpp"
#include "streampulse/core/stream_ids.hpp"
#include "streampulse/core/stream_scope.hpp"
#include "streampulse/core/viewer_registry.hpp"
#include "streampulse/service/heartbeat_pipeline.hpp"
#include "streampulse/service/state_loop.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace streampulse::persist {
class JournaledStore;
}  // namespace streampulse::persist

namespace streampulse::service {

struct AudienceShard {
  boost::asio::any_io_executor executor;         // the shard's loop; everything below lives there
  std::unique_ptr<store::Store> own_store;       // the shard's collections (embedded backend)
  store::Store* store = nullptr;                 // own_store, or the shared remote backend
  persist::JournaledStore* journaled = nullptr;  // own_store when it journals (--data-dir)
  std::unique_ptr<core::ViewerRegistry> registry;
  std::unique_ptr<HeartbeatPipeline> pipeline;
  core::ReplayWindow webhook_replays;  // webhook events of this shard's players
  core::StreamActivity activity;       // which stream each player watches; counts per stream
};

// Figures of every shard added up, for /metrics (read on the shards' loops, then summed).
struct AudienceFigures {
  std::size_t tracked = 0, max_players = 0, bindings = 0;
  std::uint64_t evicted = 0, refused = 0;
  std::size_t agent_names[3] = {0, 0, 0};  // browser, os, device: distinct over the shards
  std::uint64_t agent_names_folded[3] = {0, 0, 0};
  std::size_t agent_names_max = 0;
};

class Audience {
 public:
  // Takes the shards' registries' join observers (set_join_observer below).
  Audience(std::vector<std::unique_ptr<AudienceShard>> shards, const core::Clock& clock);

  std::size_t size() const { return shards_.size(); }
  AudienceShard& shard(std::size_t i) { return *shards_[i]; }
  // The shard of a player (or of a token, for its binding): a hash of the id.
  std::size_t shard_of(std::string_view id) const;

  // Runs work(shard) on the shard's loop and resumes the caller on its own loop with the
  // result (in place when the caller is on that loop). `work` is kept alive until it is done.
  template <class T, class Work>
  boost::asio::awaitable<T> on_shard(std::size_t i, Work work) {
    AudienceShard& sh = *shards_[i];
    co_return co_await on_state_loop<T>(sh.executor, work(sh));
  }

  // A heartbeat, whichever way it came: bound to its token (on the token's shard when that is
  // another one), then the pipeline of its player's shard. `sequence_number` 0: not a topic
  // message (no deduplication). `expires_at`: the token's expiry when known (its binding lives
  // as long). A new player past the cap is refused before anything is bound or recorded.
  // `first`, when set, runs first on the player's shard (in the same hop): false stops there
  // with a `duplicate` outcome (the webhook's replay memory).
  // `write_store` false: this instance's index only (a topic message another instance
  // received and writes to the shared store itself).
  using FirstCheck = std::function<bool(AudienceShard&)>;
  boost::asio::awaitable<HeartbeatOutcome> accept(HeartbeatPipeline::Parsed parsed,
                                                  std::string text, std::string token_id,
                                                  std::uint64_t sequence_number = 0,
                                                  core::EpochMs expires_at = 0,
                                                  FirstCheck first = {}, bool write_store = true);
  // The streams heartbeats may name (the catalog's ids, republished on each change) and the
  // tagger of stream-scoped tokens (core/stream_scope.hpp). Set before the loops run; unset:
  // every heartbeat is the default stream's and no token is checked for its stream.
  void set_streams(std::shared_ptr<const core::StreamIds> ids, core::StreamTagger tag);
  // Resolves the heartbeat's stream in place (empty: the default stream's id); an outcome
  // unknown_stream or wrong_stream when it is refused. Any thread: reads the current id set.
  // `several`, when given, says whether the catalog holds streams besides the default.
  // `is_default`, when given, says whether the heartbeat is the default stream's.
  std::optional<HeartbeatOutcome> check_stream(core::Heartbeat& hb, std::string_view token_id,
                                               bool* several = nullptr,
                                               bool* is_default = nullptr) const;
  // What restores a shard's stream activity from its players as they are loaded after a
  // restart (ViewerRegistry::load's `each`): each player under the stream its stored entry
  // names (none: the default stream), when the catalog holds streams besides the default;
  // empty otherwise (the activity is not kept then). A stream no longer in the catalog is left
  // out (its players count under the default stream, as GET /api/streams has them). Call on
  // the shard's loop, after the catalog is read.
  core::ViewerRegistry::LoadedPlayer activity_restorer(AudienceShard& sh) const;

  // Binds a token to a player on the token's shard (the embedded publish and CMCD check before
  // they answer); counted there.
  boost::asio::awaitable<core::BindVerdict> bind(std::string token_id, std::string player_id,
                                                 core::EpochMs expires_at = 0);

  boost::asio::awaitable<store::result<std::uint64_t>> active_count();
  // Each stream with players: its active and tracked players, summed over the shards (the
  // players this instance recorded: on Momento, the heartbeats it read).
  boost::asio::awaitable<std::map<std::string, core::StreamFigures>> stream_figures();
  // One stream's dashboard, from the players this instance recorded for it (and, after a
  // restart, those restored with it: activity_restorer).
  boost::asio::awaitable<core::DashboardMetrics> stream_dashboard(std::string stream_id);
  boost::asio::awaitable<store::result<core::DashboardMetrics>> dashboard();
  // Removes players past the retention, each shard on its loop; how many were removed.
  boost::asio::awaitable<store::result<std::size_t>> prune();
  boost::asio::awaitable<AudienceFigures> figures();

  // Called, on the shard's loop, when a recorded heartbeat makes a player active (see
  // ViewerRegistry::set_join_observer); must be thread-safe. Empty: nobody listens.
  void set_join_observer(std::function<void()> observer);

 private:
  // Calls `each` on every shard's registry, on its loop, and adds the answers up.
  template <class T>
  boost::asio::awaitable<store::result<T>> sum_over_shards(
      store::awaitable<store::result<T>> (core::ViewerRegistry::*each)());

  // The active window and retention the dashboard's figures cover ("windows" in its JSON).
  void set_windows(core::DashboardMetrics& m) const;

  std::vector<std::unique_ptr<AudienceShard>> shards_;
  const core::Clock& clock_;
  std::shared_ptr<const core::StreamIds> stream_ids_;
  core::StreamTagger stream_tag_;
  struct JoinSignal {
    std::mutex mutex;
    std::function<void()> observer;
  };
  std::shared_ptr<JoinSignal> joins_ = std::make_shared<JoinSignal>();
};

}  // namespace streampulse::service
