#include "streampulse/core/replay_window.hpp"

namespace streampulse::core {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;  // verified signatures are hex; anything else only weakens the key, never throws
}

std::uint64_t read_u64(std::string_view hex) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 16 && i < hex.size(); ++i)
    v = (v << 4) | static_cast<std::uint64_t>(hex_digit(hex[i]));
  return v;
}

}  // namespace

void ReplayWindow::prune(EpochMs now) {
  // A bucket holds expiries up to its second's end; drop it once that has passed.
  while (!by_expiry_.empty() && (by_expiry_.begin()->first + 1) * 1000 <= now) {
    for (const Key& k : by_expiry_.begin()->second) seen_.erase(k);
    by_expiry_.erase(by_expiry_.begin());
  }
}

ReplayWindow::Verdict ReplayWindow::see(std::string_view signature, EpochMs publish_ms,
                                        EpochMs now) {
  prune(now);
  // 128 bits of the HMAC: collisions between authentic events are out of reach.
  const Key key{read_u64(signature),
                read_u64(signature.substr(std::min<std::size_t>(16, signature.size())))};
  if (seen_.contains(key)) return Verdict::replay;
  if (seen_.size() >= settings_.capacity) return Verdict::full;
  seen_.insert(key);
  const EpochMs expires = publish_ms + settings_.window_ms;  // refused as stale from then on
  by_expiry_[expires / 1000].push_back(key);
  return Verdict::first;
}

}  // namespace streampulse::core
