#pragma once
// The audience index: every tracked player's latest figures, with running totals kept as
// heartbeats arrive, so the dashboard never walks or re-parses the players (O(distinct agent
// names) per dashboard request, whatever the number of players).
#include "streampulse/core/clock.hpp"
#include "streampulse/core/distribution.hpp"
#include "streampulse/core/heartbeat.hpp"
#include "streampulse/core/log_histogram.hpp"
#include "streampulse/core/state_window.hpp"

#include <cstdint>
#include <map>
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

// The players active now (last heartbeat within the active window): their figures, computed
// when the dashboard is asked for by walking the players (nothing is kept per heartbeat for it).
struct NowTotals {
  std::uint64_t players = 0;
  double play_time_sum = 0;
  double bitrate_sum = 0;
  double bitrate_min = 0;  // meaningful only when players > 0
  double bitrate_max = 0;
  std::map<std::string, std::uint64_t> browsers, devices, os;
};

struct AudienceTotals {
  std::uint64_t players = 0;
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

// An index's running totals in a form that adds up: the audience is sharded over the event
// loops (app/audience.hpp), each shard with its own index, and the dashboard is the merge of
// the shards' summaries. Percentiles are merged through the histograms, never averaged.
struct AudienceSummary {
  AudienceTotals totals;  // its percentiles and time-weighted bitrate are not set
  LogHistogram startup{1000}, bitrate{1000}, throughput{1};
  std::int64_t weighted_kbps_ms = 0, weighted_ms = 0;
};

// The totals of every shard together (one summary: that index's own totals).
AudienceTotals merge_summaries(const std::vector<AudienceSummary>& summaries);

class AudienceIndex {
 public:
  static constexpr std::size_t kMaxDistinctNames = 1000;

  // active_window_ms: how long a player's last state counts as its state now.
  explicit AudienceIndex(EpochMs active_window_ms = 1500);
  // Replaces the player's previous figures with the heartbeat's; its rebuffering and error
  // deltas are added to the player's totals. Fields the heartbeat lacks keep their last value
  // (state excepted). `now`: when it arrived (0: a restored record, not counted as active).
  // Returns when the player was last seen before (0: new, or restored and not seen since).
  EpochMs upsert(const Heartbeat& hb, EpochMs now = 0);
  void remove(std::string_view player_id);
  bool contains(std::string_view player_id) const;
  std::size_t size() const { return players_.size(); }
  // With `now`, also the figures of the players active at `now` (AudienceTotals::now): one walk
  // over the players, at dashboard time.
  AudienceTotals totals(EpochMs now = 0) const;
  AudienceSummary summary(EpochMs now = 0) const;
  NowTotals active_totals(EpochMs now) const;

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
  // Figures kept per player. Sums use fixed point (1/1000, or whole ms, bps, kbps x ms) so
  // adding and removing a player never lets floating-point error build up. -1: not reported.
  struct Player {
    std::int64_t bitrate_milli = 0;
    std::int64_t play_time_milli = 0;
    std::int64_t rebuffer_ms = -1;  // total
    std::int64_t startup_milli = -1;
    std::int64_t throughput_bps = -1;
    std::int64_t dropped_frames = -1;   // total
    std::int64_t weighted_kbps_ms = 0;  // bitrate x ms played at it
    std::int64_t weighted_ms = 0;
    EpochMs last_seen = 0;
    std::uint32_t rebuffer_count = 0;  // total (meaningful when rebuffer_ms >= 0)
    std::int32_t errors = -1;          // total
    std::uint16_t os = 0, browser = 0, device = 0;
    PlayState state = PlayState::unknown;
  };
  Player make_player(const Heartbeat& hb, const Player* previous, EpochMs now);
  void add(const Player& p);
  void subtract(const Player& p);

 public:
  static constexpr std::size_t kPlayerRecordBytes = sizeof(Player);

 private:
  std::unordered_map<std::string, Player> players_;
  EpochMs active_window_ms_;
  std::int64_t bitrate_sum_milli_ = 0;
  std::int64_t play_time_sum_milli_ = 0;
  std::map<std::int64_t, std::uint32_t> bitrates_;  // bitrate -> players, for min and max
  Distribution os_, browsers_, devices_;
  // Quality running totals.
  StateWindow states_;
  std::uint64_t rebuffer_reporters_ = 0, zero_buffer_players_ = 0, rebuffer_count_ = 0;
  std::int64_t rebuffer_ms_ = 0, reporters_play_milli_ = 0;
  std::uint64_t error_reporters_ = 0, errors_ = 0;
  std::uint64_t dropped_reporters_ = 0, dropped_frames_ = 0;
  std::int64_t weighted_kbps_ms_ = 0, weighted_ms_ = 0;
  LogHistogram startup_{1000}, bitrate_hist_{1000}, throughput_{1};
};

}  // namespace streampulse::core
