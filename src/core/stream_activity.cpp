#include "streampulse/core/stream_activity.hpp"

#include <algorithm>

namespace streampulse::core {

void StreamActivity::trim(Stream& s, EpochMs now) {
  // Active: seen at the cutoff or after, the registry's rule (ViewerRegistry::active_count), so
  // the default stream's count (the whole audience's less the others') never dips at the edge.
  const EpochMs cutoff = now - window_;
  while (!s.recent.empty() && s.recent.begin()->first < cutoff) {
    s.active -= s.recent.begin()->second;
    s.recent.erase(s.recent.begin());
  }
  s.trimmed_to = std::max(s.trimmed_to, cutoff);
}

StreamActivity::Stream& StreamActivity::stream(const std::string& id) {
  auto it = streams_.find(id);
  if (it != streams_.end()) return it->second;
  return streams_.try_emplace(id, window_, viewers_ ? viewers_->of(id) : nullptr).first->second;
}

void StreamActivity::forget(const Player& p, std::string_view player_id) {
  auto sit = streams_.find(p.stream);
  if (sit == streams_.end()) return;
  Stream& s = sit->second;
  s.index.remove(player_id);
  forget_time(p);
  if (--s.total == 0) streams_.erase(sit);
}

void StreamActivity::forget_time(const Player& p) {
  auto sit = streams_.find(p.stream);
  if (sit == streams_.end()) return;
  Stream& s = sit->second;
  if (auto r = s.recent.find(p.last_seen); r != s.recent.end() && p.last_seen >= s.trimmed_to) {
    --s.active;
    if (--r->second == 0) s.recent.erase(r);
  }
}

void StreamActivity::seen(std::string_view player_id, std::string_view stream_id, EpochMs now) {
  Heartbeat hb;
  hb.player_id = player_id;
  hb.stream_id = stream_id;
  seen(hb, now);
}

void StreamActivity::seen(const Heartbeat& hb, EpochMs now) {
  auto [it, added] = players_.try_emplace(hb.player_id);
  Player& p = it->second;
  if (!added && p.stream != hb.stream_id) {
    forget(p, hb.player_id);  // moves: out of its former stream, figures and all
    added = true;
  } else if (!added) {
    forget_time(p);
  }
  p.stream = hb.stream_id;
  Stream& s = stream(p.stream);
  s.index.upsert(hb, now);
  // A clock stepping back must not file a player among times already trimmed.
  p.last_seen = std::max(now, s.trimmed_to);
  ++s.recent[p.last_seen];
  ++s.active;
  if (added) ++s.total;
}

void StreamActivity::remove(std::string_view player_id) {
  auto it = players_.find(std::string(player_id));
  if (it == players_.end()) return;
  forget(it->second, it->first);
  players_.erase(it);
}

std::map<std::string, StreamFigures> StreamActivity::figures(EpochMs now) {
  std::map<std::string, StreamFigures> out;
  for (auto& [id, s] : streams_) {
    trim(s, now);
    out.emplace(id, StreamFigures{s.active, s.total});
  }
  return out;
}

std::optional<AudienceSummary> StreamActivity::summary(std::string_view stream_id, EpochMs now) {
  auto it = streams_.find(std::string(stream_id));
  if (it == streams_.end()) return std::nullopt;
  return it->second.index.summary(now);
}

const std::string* StreamActivity::stream_of(std::string_view player_id) const {
  auto it = players_.find(std::string(player_id));
  return it == players_.end() ? nullptr : &it->second.stream;
}

}  // namespace streampulse::core
