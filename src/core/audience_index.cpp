#include "streampulse/core/audience_index.hpp"

#include "streampulse/core/quality_fields.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>

namespace streampulse::core {
namespace {

constexpr std::string_view kUnknown = "unknown";

std::int64_t to_milli(double v) { return std::llround(v * 1000.0); }

}  // namespace

AudienceIndex::AudienceIndex(EpochMs active_window_ms, std::shared_ptr<ViewerTally> viewers)
    : active_window_ms_(active_window_ms),
      viewers_(viewers ? std::move(viewers) : std::make_shared<ViewerTally>()),
      os_(kMaxDistinctNames),
      browsers_(kMaxDistinctNames),
      devices_(kMaxDistinctNames),
      states_(active_window_ms) {}

AudienceIndex::~AudienceIndex() {
  for (auto& [id, p] : players_) count_viewer(p.viewer, -1, p.active ? -1 : 0);
}

void AudienceIndex::count_viewer(std::uint64_t viewer, int tracked, int active) {
  if (viewer != 0) {
    viewers_->change(viewer, tracked, active);
    return;
  }
  own_viewers_tracked_ += static_cast<std::uint64_t>(static_cast<std::int64_t>(tracked));
  own_viewers_active_ += static_cast<std::uint64_t>(static_cast<std::int64_t>(active));
}

namespace {

// The figures a heartbeat carries onto a player record, on top of its previous figures (deltas
// added up, absent fields kept); touches no totals.
template <class Player>
void carry(const Heartbeat& hb, const Player* prev, Player& p) {
  if (prev) {
    p.quality = prev->quality;
    p.weighted_kbps_ms = prev->weighted_kbps_ms;
    p.weighted_ms = prev->weighted_ms;
  }
  QualityMask reported = 0;  // the fields the heartbeat carries
  for_each_quality_field([&](const auto& field, std::size_t slot) {
    if (hb.*field.heartbeat) reported |= QualityMask{1} << slot;
  });
  if (reported != 0)
    for_each_quality_field([&](const auto& field, std::size_t slot) {
      std::int64_t& v = p.quality[slot];
      const auto& value = hb.*field.heartbeat;
      if (field.accrual == Accrual::latest) {
        if (value) v = std::llround(static_cast<double>(*value) * field.scale);
        return;
      }
      if ((reported & kQualityGroups[slot]) == 0) return;
      if (v < 0) v = 0;  // the first report of the field or of its group
      if (!value) return;
      // Saturate, as the stored totals do: a player that reports long enough (or a restored total
      // near the top) must not wrap to a small figure.
      const auto cap = static_cast<std::int64_t>(field.cap);
      const auto delta =
          std::llround(std::min(static_cast<double>(*value) * field.scale, field.cap));
      v = std::min<std::int64_t>(v + delta, cap);
    });
  if (hb.bitrate_history) {
    p.weighted_ms = std::llround(hb.bitrate_history->seconds * 1000.0);
    p.weighted_kbps_ms = std::llround(hb.bitrate_history->kbps_seconds * 1000.0);
  } else if (prev) {
    // The rendition reported last played until this heartbeat; a jump (seek, reset) of more
    // than a minute is not counted as time played.
    const std::int64_t dt = p.play_time_milli - prev->play_time_milli;
    if (dt > 0 && dt <= 60'000) {
      p.weighted_ms += dt;
      p.weighted_kbps_ms += prev->bitrate_milli * dt / 1000;
    }
  }
}

}  // namespace

AudienceIndex::Player AudienceIndex::make_player(const Heartbeat& hb, const Player* previous,
                                                 EpochMs now) {
  const Agent none{};
  const Agent& agent = hb.agent ? *hb.agent : none;
  Player p;
  p.bitrate_milli = to_milli(hb.bitrate);
  p.play_time_milli = to_milli(hb.play_time);
  p.os = os_.add(agent.os);
  p.browser = browsers_.add(agent.browser);
  p.device = devices_.add(agent.device);
  p.last_seen = now;
  p.state = hb.state;
  p.viewer = viewer_key(hb.viewer_id);
  carry(hb, previous, p);
  return p;
}

EpochMs AudienceIndex::upsert(const Heartbeat& hb, EpochMs now) {
  if (now > 0) expire(now);
  auto it = players_.find(hb.player_id);
  // Add the new names before dropping the old ones so a name in use never changes id.
  const Player p = make_player(hb, it == players_.end() ? nullptr : &it->second, now);
  EpochMs previous = 0;
  bool known = false, was_active = false;
  std::uint64_t old_viewer = 0;
  Player* player = nullptr;
  if (it == players_.end()) {
    player = &players_.emplace(hb.player_id, p).first->second;
  } else {
    player = &it->second;
    known = true;
    previous = player->last_seen;
    was_active = player->active;
    old_viewer = player->viewer;
    if (was_active) deactivate(*player);
    apply(*player, -1);
    *player = p;
  }
  apply(*player, 1);
  const bool is_active = now > 0;
  if (is_active) activate(*player);
  // The viewers change when a player joins or leaves, or changes viewer; an active player's
  // next heartbeat leaves them as they are (no shared work per heartbeat).
  if (known && old_viewer == p.viewer) {
    count_viewer(p.viewer, 0, int{is_active} - int{was_active});
  } else {
    if (known) count_viewer(old_viewer, -1, was_active ? -1 : 0);
    count_viewer(p.viewer, 1, is_active ? 1 : 0);
  }
  return previous;
}

void AudienceIndex::remove(std::string_view player_id) {
  auto it = players_.find(std::string(player_id));
  if (it == players_.end()) return;
  const bool was_active = it->second.active;
  if (was_active) deactivate(it->second);
  apply(it->second, -1);
  count_viewer(it->second.viewer, -1, was_active ? -1 : 0);
  players_.erase(it);
}

bool AudienceIndex::contains(std::string_view player_id) const {
  return players_.contains(std::string(player_id));
}

void AudienceIndex::apply(const Player& p, int sign) {
  // One body, instantiated for +1 and -1 (so the sign costs no multiplication or branch).
  auto body = [&]<int Sign>(std::integral_constant<int, Sign>) {
    bitrate_sum_milli_ += Sign * p.bitrate_milli;
    play_time_sum_milli_ += Sign * p.play_time_milli;
    if constexpr (Sign > 0) {
      ++bitrates_[p.bitrate_milli];
      bitrate_hist_.add(p.bitrate_milli);
      if (p.last_seen > 0) states_.add(p.last_seen, p.state);
    } else {
      if (auto it = bitrates_.find(p.bitrate_milli); it != bitrates_.end() && --it->second == 0)
        bitrates_.erase(it);
      bitrate_hist_.remove(p.bitrate_milli);
      os_.remove(p.os);
      browsers_.remove(p.browser);
      devices_.remove(p.device);
      if (p.last_seen > 0) states_.remove(p.last_seen, p.state);
    }
    for_each_quality_field([&](const auto& field, std::size_t slot) {
      const std::int64_t v = p.quality[slot];
      if (v < 0) return;
      quality_.reporters[slot] += Sign;
      if (field.tally != Tally::percentiles) {
        quality_.sums[slot] += Sign * v;
      } else if constexpr (Sign > 0) {
        (quality_.*field.histogram).add(v);
      } else {
        (quality_.*field.histogram).remove(v);
      }
    });
    // Rebuffering's own figures: the players that never stalled, the reporters' play time.
    constexpr std::size_t kCount = quality_slot("rebufferCount"), kMs = quality_slot("rebufferMs");
    if (p.quality[kMs] >= 0) {
      if (p.quality[kCount] == 0 && p.quality[kMs] == 0) zero_buffer_players_ += Sign;
      reporters_play_milli_ += Sign * p.play_time_milli;
    }
    weighted_kbps_ms_ += Sign * p.weighted_kbps_ms;
    weighted_ms_ += Sign * p.weighted_ms;
  };
  if (sign > 0) {
    body(std::integral_constant<int, 1>{});
  } else {
    body(std::integral_constant<int, -1>{});
  }
}

Heartbeat AudienceIndex::accumulated(const Heartbeat& hb) const {
  auto it = players_.find(hb.player_id);
  const Player* prev = it == players_.end() ? nullptr : &it->second;
  Player p;
  p.bitrate_milli = to_milli(hb.bitrate);
  p.play_time_milli = to_milli(hb.play_time);
  carry(hb, prev, p);
  Heartbeat out = hb;
  for_each_quality_field([&](const auto& field, std::size_t slot) {
    if (p.quality[slot] >= 0) out.*field.heartbeat = quality_value(field, p.quality[slot]);
  });
  out.bitrate_history.reset();
  if (p.weighted_ms > 0) {
    out.bitrate_history = BitrateHistory{static_cast<double>(p.weighted_kbps_ms) / 1000.0,
                                         static_cast<double>(p.weighted_ms) / 1000.0};
  }
  return out;
}

std::optional<Heartbeat> AudienceIndex::latest(std::string_view player_id) const {
  auto it = players_.find(std::string(player_id));
  if (it == players_.end()) return std::nullopt;
  const Player& p = it->second;
  Heartbeat hb;
  hb.player_id = std::string(player_id);
  hb.bitrate = static_cast<double>(p.bitrate_milli) / 1000.0;
  hb.play_time = static_cast<double>(p.play_time_milli) / 1000.0;
  Agent agent{os_.name(p.os), browsers_.name(p.browser), devices_.name(p.device)};
  for (auto* s : {&agent.os, &agent.browser, &agent.device})
    if (*s == kUnknown) s->clear();
  if (!agent.os.empty() || !agent.browser.empty() || !agent.device.empty())
    hb.agent = std::move(agent);
  return hb;
}

AudienceTotals AudienceIndex::totals(EpochMs now) {
  return merge_summaries(std::vector<AudienceSummary>(1, summary(now)));
}

AudienceSummary AudienceIndex::summary(EpochMs now) {
  AudienceSummary out;
  AudienceTotals& t = out.totals;
  t.players = players_.size();
  t.viewers = own_viewers_tracked_;  // merge_summaries adds the tally's
  out.viewers = viewers_;
  t.play_time_sum = static_cast<double>(play_time_sum_milli_) / 1000.0;
  t.bitrate_sum = static_cast<double>(bitrate_sum_milli_) / 1000.0;
  if (!bitrates_.empty()) {
    t.bitrate_min = static_cast<double>(bitrates_.begin()->first) / 1000.0;
    t.bitrate_max = static_cast<double>(bitrates_.rbegin()->first) / 1000.0;
  }
  t.browsers = browsers_.counts();
  t.devices = devices_.counts();
  t.os = os_.counts();
  t.browser_labels = browsers_.labels();
  t.device_labels = devices_.labels();
  t.os_labels = os_.labels();
  if (now > 0) t.now = active_totals(now);

  auto& q = t.quality;
  if (now > 0) q.states = states_.counts(now);
  q.zero_buffer_players = static_cast<std::uint64_t>(zero_buffer_players_);
  q.reporters_play_ms = static_cast<double>(reporters_play_milli_);
  out.quality = quality_;  // merge_summaries sets the quality fields' totals from it
  out.bitrate = bitrate_hist_;
  out.weighted_kbps_ms = weighted_kbps_ms_;
  out.weighted_ms = weighted_ms_;
  return out;
}

std::vector<std::string> AudienceIndex::seen_before(EpochMs cutoff) const {
  std::vector<std::string> out;
  for (const auto& [id, p] : players_) {
    if (p.last_seen > 0 && p.last_seen < cutoff) out.push_back(id);
  }
  return out;
}

}  // namespace streampulse::core
