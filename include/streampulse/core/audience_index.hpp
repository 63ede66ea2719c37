#pragma once
// The audience index: every tracked player's latest figures, with running totals kept as
// heartbeats arrive, so the dashboard never walks or re-parses the players (O(distinct agent
// names) per dashboard request, whatever the number of players).
#include "streampulse/core/clock.hpp"
#include "streampulse/core/distribution.hpp"
#include "streampulse/core/heartbeat.hpp"
#include "streampulse/core/log_histogram.hpp"
#include "streampulse/core/state_window.hpp"
#include "streampulse/core/viewer_tally.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace streampulse::core {

// Viewing-quality totals. Each figure counts only the players that reported it; a figure nobody
// reported is nullopt (absent), never 0.
struct QualityTotals {
  StateWindow::Counts states;             // active players by the state of their last heartbeat
  std::uint64_t rebuffer_reporters = 0;   // players that reported rebuffering at least once
  std::uint64_t zero_buffer_players = 0;  // ... and never stalled
  std::uint64_t rebuffer_count = 0;
  double rebuffer_ms = 0;
  double reporters_play_ms = 0;  // play time of the rebuffer reporters
  std::uint64_t error_reporters = 0;
  std::uint64_t errors = 0;
  std::uint64_t dropped_reporters = 0;
  std::uint64_t dropped_frames = 0;
  std::optional<double> startup_p50, startup_p95;
  std::optional<double> bitrate_p50, bitrate_p95;
  std::optional<double> throughput_p50, throughput_p95;
  std::optional<double> bitrate_time_weighted;  // kbps, weighted by the time played at each
  // Players that reported each figure (set by merge_summaries from the histograms).
  std::uint64_t startup_reporters = 0, bitrate_reporters = 0, throughput_reporters = 0;
};

// The players active now (last heartbeat within the active window): their figures, kept as
// players join and leave the window (AudienceIndex's active list), so reading them costs
// O(distinct agent names), never a walk over the players.
struct NowTotals {
  std::uint64_t players = 0;
  std::uint64_t viewers = 0;  // distinct viewers among them
  double play_time_sum = 0;
  double bitrate_sum = 0;
  double bitrate_min = 0;  // meaningful only when players > 0
  double bitrate_max = 0;
  std::map<std::string, std::uint64_t> browsers, devices, os;
};

struct AudienceTotals {
  std::uint64_t players = 0;
  std::uint64_t viewers = 0;  // distinct viewers of the tracked players
  double play_time_sum = 0;
  double bitrate_sum = 0;
  double bitrate_min = 0;  // meaningful only when players > 0
  double bitrate_max = 0;
  std::map<std::string, std::uint64_t> browsers, devices, os;
  // Lower-cased name -> the name as its first player sent it, for every name in use.
  std::map<std::string, std::string> browser_labels, device_labels, os_labels;
  QualityTotals quality;
  NowTotals now;  // set only when the summary is taken with a time
};

// The running figures of the quality fields (core/quality_fields.hpp), per index and per
// summary: per row, the sum of the players' figures (fixed point, the row's scale) and the
// players reporting it; the histograms of the rows tallied as percentiles.
struct QualitySums {
  std::array<std::int64_t, kQualityFieldCount> sums{};
  std::array<std::int64_t, kQualityFieldCount> reporters{};
  LogHistogram startup{1000}, throughput{1};
};

// An index's running totals in a form that adds up: the audience is sharded over the event
// loops (service/audience.hpp), each shard with its own index, and the dashboard is the merge of
// the shards' summaries. Percentiles are merged through the histograms, never averaged.
struct AudienceSummary {
  AudienceTotals totals;  // its quality fields, percentiles and time-weighted bitrate are not set
  QualitySums quality;
  LogHistogram bitrate{1000};
  std::int64_t weighted_kbps_ms = 0, weighted_ms = 0;
  // The tally the index counts its viewers in (shared by the shards of one audience): the merge
  // reads each tally once, after every shard's summary is in, and adds it to the viewers the
  // totals hold (the players without a viewer id, each a viewer of its own).
  std::shared_ptr<const ViewerTally> viewers;
};

// The totals of every shard together (one summary: that index's own totals).
AudienceTotals merge_summaries(const std::vector<AudienceSummary>& summaries);

class AudienceIndex {
 public:
  static constexpr std::size_t kMaxDistinctNames = 1000;

  // active_window_ms: how long a player's last state counts as its state now. `viewers`: the
  // tally shared with the other shards of the same audience (null: the index's own).
  explicit AudienceIndex(EpochMs active_window_ms = 1500,
                         std::shared_ptr<ViewerTally> viewers = nullptr);
  ~AudienceIndex();  // takes its players out of the shared tally
  // Players link to one another (the active list): an index stays where it was built.
  AudienceIndex(const AudienceIndex&) = delete;
  AudienceIndex& operator=(const AudienceIndex&) = delete;
  // Replaces the player's previous figures with the heartbeat's; its rebuffering and error
  // deltas are added to the player's totals. Fields the heartbeat lacks keep their last value
  // (state excepted). `now`: when it arrived (0: a restored record, not counted as active).
  // Returns when the player was last seen before (0: new, or restored and not seen since).
  EpochMs upsert(const Heartbeat& hb, EpochMs now = 0);
  void remove(std::string_view player_id);
  bool contains(std::string_view player_id) const;
  std::size_t size() const { return players_.size(); }
  // With `now`, also the figures of the players active at `now` (AudienceTotals::now). These
  // first let the players whose last heartbeat left the window go (hence not const); `now`
  // should not go back in time (an earlier one reads the figures of the latest).
  AudienceTotals totals(EpochMs now = 0);
  AudienceSummary summary(EpochMs now = 0);
  NowTotals active_totals(EpochMs now);

  // The player's figures after `hb` would be applied: its totals, for the stored record.
  Heartbeat accumulated(const Heartbeat& hb) const;
  // Players last seen before `cutoff` (restored records, never seen here, excepted).
  std::vector<std::string> seen_before(EpochMs cutoff) const;
  // The player's latest figures (agent names lower-cased), or nullopt.
  std::optional<Heartbeat> latest(std::string_view player_id) const;
  const Distribution& os() const { return os_; }
  const Distribution& browsers() const { return browsers_; }
  const Distribution& devices() const { return devices_; }

 private:
  static constexpr auto kNotReported = [] {
    std::array<std::int64_t, kQualityFieldCount> a{};
    a.fill(-1);
    return a;
  }();
  // Figures kept per player. Sums use fixed point (1/1000, or whole ms, bps, kbps x ms) so
  // adding and removing a player never lets floating-point error build up. -1: not reported.
  struct Player {
    std::int64_t bitrate_milli = 0;
    std::int64_t play_time_milli = 0;
    // The quality fields by slot (kQualityFields): value x scale, a delta's total.
    std::array<std::int64_t, kQualityFieldCount> quality = kNotReported;
    std::int64_t weighted_kbps_ms = 0;  // bitrate x ms played at it
    std::int64_t weighted_ms = 0;
    EpochMs last_seen = 0;
    std::uint64_t viewer = 0;  // viewer_key; 0: no viewer id (a viewer of its own)
    // The active list: the players seen within the window, oldest heartbeat first.
    Player* older = nullptr;
    Player* newer = nullptr;
    std::uint16_t os = 0, browser = 0, device = 0;
    PlayState state = PlayState::unknown;
    bool active = false;  // in the active list
  };
  // The running figures of the active players (NowTotals, in fixed point; name counts by id).
  struct Active {
    std::uint64_t players = 0;
    std::int64_t bitrate_sum_milli = 0, play_time_sum_milli = 0;
    std::map<std::int64_t, std::uint32_t> bitrates;
    std::vector<std::uint64_t> os, browsers, devices;
  };
  Player make_player(const Heartbeat& hb, const Player* previous, EpochMs now);
  // Adds the player's figures to the running totals (sign 1) or takes them out (sign -1): one
  // function, so that what is added is exactly what is taken out. The agent names are added by
  // make_player (before the player's old names are dropped) and dropped here.
  void apply(const Player& p, int sign);
  // Into the active list at its newest end, and out of it.
  void activate(Player& p);
  void deactivate(Player& p);
  void expire(EpochMs now);  // deactivates the players last seen before now - window
  // A viewer's players: `tracked` and `active` more or fewer (the tally, or own_viewers_).
  void count_viewer(std::uint64_t viewer, int tracked, int active);

 public:
  static constexpr std::size_t kPlayerRecordBytes = sizeof(Player);

 private:
  std::unordered_map<std::string, Player> players_;  // nodes never move: the list points in
  EpochMs active_window_ms_;
  std::shared_ptr<ViewerTally> viewers_;
  std::uint64_t own_viewers_tracked_ = 0, own_viewers_active_ = 0;  // players with no viewer id
  Player* oldest_ = nullptr;                                        // the active list's ends
  Player* newest_ = nullptr;
  Active active_;
  std::int64_t bitrate_sum_milli_ = 0;
  std::int64_t play_time_sum_milli_ = 0;
  std::map<std::int64_t, std::uint32_t> bitrates_;  // bitrate -> players, for min and max
  Distribution os_, browsers_, devices_;
  // Quality running totals.
  StateWindow states_;
  QualitySums quality_;
  std::int64_t zero_buffer_players_ = 0, reporters_play_milli_ = 0;  // rebuffering's extras
  std::int64_t weighted_kbps_ms_ = 0, weighted_ms_ = 0;
  LogHistogram bitrate_hist_{1000};
};

}  // namespace streampulse::core
