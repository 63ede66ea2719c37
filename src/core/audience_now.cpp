// AudienceIndex's active players ("now"): the list of the players seen within the active window,
// oldest heartbeat first, and their running figures, kept as players join and leave it.
#include "streampulse/core/audience_index.hpp"

#include <map>
#include <string>
#include <vector>

namespace streampulse::core {

void AudienceIndex::activate(Player& p) {
  p.active = true;
  // The list stays in time order: a heartbeat is nearly always the newest; one stamped a little
  // earlier than the last ones (a clock that stepped back) finds its place within a few steps,
  // and past 64 steps stays at the newest end (it then leaves the window late, by the step).
  Player* before = newest_;  // p goes right after it (null: at the oldest end)
  for (int steps = 0; before && before->last_seen > p.last_seen && steps < 64; ++steps)
    before = before->older;
  if (before && before->last_seen > p.last_seen) before = newest_;
  p.older = before;
  p.newer = before ? before->newer : oldest_;
  (p.older ? p.older->newer : oldest_) = &p;
  (p.newer ? p.newer->older : newest_) = &p;
  Active& a = active_;
  ++a.players;
  a.bitrate_sum_milli += p.bitrate_milli;
  a.play_time_sum_milli += p.play_time_milli;
  ++a.bitrates[p.bitrate_milli];
  auto count = [](std::vector<std::uint64_t>& counts, std::uint16_t id) {
    if (counts.size() <= id) counts.resize(id + 1u, 0);
    ++counts[id];
  };
  count(a.os, p.os);
  count(a.browsers, p.browser);
  count(a.devices, p.device);
}

void AudienceIndex::deactivate(Player& p) {
  (p.older ? p.older->newer : oldest_) = p.newer;
  (p.newer ? p.newer->older : newest_) = p.older;
  p.older = p.newer = nullptr;
  p.active = false;
  Active& a = active_;
  --a.players;
  a.bitrate_sum_milli -= p.bitrate_milli;
  a.play_time_sum_milli -= p.play_time_milli;
  if (auto it = a.bitrates.find(p.bitrate_milli); it != a.bitrates.end() && --it->second == 0)
    a.bitrates.erase(it);
  --a.os[p.os];
  --a.browsers[p.browser];
  --a.devices[p.device];
}

void AudienceIndex::expire(EpochMs now) {
  // Active as the count has it: last seen at or after now - window. Heartbeats arrive in time
  // order, so the players that left are at the list's oldest end (a clock that stepped back
  // only keeps a player a little longer).
  const EpochMs cutoff = now - active_window_ms_;
  while (oldest_ && oldest_->last_seen < cutoff) {
    Player& p = *oldest_;
    deactivate(p);
    count_viewer(p.viewer, 0, -1);
  }
}

NowTotals AudienceIndex::active_totals(EpochMs now) {
  expire(now);
  const Active& a = active_;
  NowTotals out;
  out.players = a.players;
  out.viewers = own_viewers_active_;  // merge_summaries adds the tally's
  out.bitrate_sum = static_cast<double>(a.bitrate_sum_milli) / 1000.0;
  out.play_time_sum = static_cast<double>(a.play_time_sum_milli) / 1000.0;
  if (!a.bitrates.empty()) {
    out.bitrate_min = static_cast<double>(a.bitrates.begin()->first) / 1000.0;
    out.bitrate_max = static_cast<double>(a.bitrates.rbegin()->first) / 1000.0;
  }
  auto name = [](const std::vector<std::uint64_t>& counts, const Distribution& d,
                 std::map<std::string, std::uint64_t>& into) {
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (counts[i] > 0) into.emplace(d.name(static_cast<std::uint16_t>(i)), counts[i]);
  };
  name(a.os, os_, out.os);
  name(a.browsers, browsers_, out.browsers);
  name(a.devices, devices_, out.devices);
  return out;
}

}  // namespace streampulse::core
