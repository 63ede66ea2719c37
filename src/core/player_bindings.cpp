#include "streampulse/core/player_bindings.hpp"

namespace streampulse::core {

void PlayerBindings::prune(EpochMs now) {
  while (!expiries_.empty() && expiries_.begin()->first <= now) {
    const std::string key(expiries_.begin()->second);  // a copy: the view dies with the entry
    expiries_.erase(expiries_.begin());
    bound_.erase(key);
  }
}

BindVerdict PlayerBindings::check(std::string_view token_id, std::string_view player_id,
                                  EpochMs now) {
  if (token_id.empty()) return BindVerdict::ok;
  prune(now);
  if (auto it = bound_.find(token_id); it != bound_.end())
    return it->second.player_id == player_id ? BindVerdict::ok : BindVerdict::mismatch;
  return bound_.size() >= settings_.capacity ? BindVerdict::full : BindVerdict::ok;
}

BindVerdict PlayerBindings::bind(std::string_view token_id, std::string_view player_id, EpochMs now,
                                 EpochMs expires_at) {
  const BindVerdict verdict = check(token_id, player_id, now);
  if (verdict != BindVerdict::ok || token_id.empty()) return verdict;
  auto [it, inserted] = bound_.try_emplace(std::string(token_id));
  if (!inserted) return BindVerdict::ok;  // bound to this player already
  it->second.player_id = std::string(player_id);
  // An expiry in the past would drop the entry at once and let the token bind again.
  it->second.expires_at = expires_at > now ? expires_at : now + settings_.lifetime_ms;
  expiries_.emplace(it->second.expires_at, std::string_view(it->first));
  return BindVerdict::ok;
}

void PlayerBindings::unbind(std::string_view token_id) {
  const auto it = bound_.find(token_id);
  if (it == bound_.end()) return;
  expiries_.erase({it->second.expires_at, std::string_view(it->first)});
  bound_.erase(it);
}

}  // namespace streampulse::core
