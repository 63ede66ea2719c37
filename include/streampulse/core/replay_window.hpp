#pragma once
// The webhook's own replay memory (finding 7a): every authentic event seen whose publish time
// is still inside the 60 s replay window, so a captured signed event sent again within the
// window is always known, however many topic messages pass meanwhile (the topic intake's
// dedupe ring, core/recent_messages.hpp, is separate). An event is known by its signature: an
// HMAC of the whole body, unforgeable and unique per body. Bounded by time (an entry leaves
// when its event leaves the window: it would be refused as stale from then on) and by count:
// when full, a new event is refused (the caller answers 503: that heartbeat is lost, as Momento
// delivers at most once; the player's next one comes a period later) rather than an entry
// forgotten early, which would let a replay through.
#include "streampulse/core/clock.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace streampulse::core {

class ReplayWindow {
 public:
  enum class Verdict { first, replay, full };
  struct Settings {
    EpochMs window_ms = 60'000;        // parse_webhook_event's window
    std::size_t capacity = 1'000'000;  // ~70 B each: ~70 MB at most
  };
  ReplayWindow() = default;
  explicit ReplayWindow(Settings settings) : settings_(settings) {}

  // `signature`: the event's momento-signature (hex, either case); `publish_ms`: its
  // publish_timestamp. Remembers the event when it is the first sighting.
  Verdict see(std::string_view signature, EpochMs publish_ms, EpochMs now);

  std::size_t size() const { return seen_.size(); }

 private:
  struct Key {
    std::uint64_t hi = 0, lo = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept { return k.hi ^ (k.lo * 31); }
  };
  void prune(EpochMs now);

  Settings settings_;
  std::unordered_set<Key, KeyHash> seen_;
  std::map<EpochMs, std::vector<Key>> by_expiry_;  // per second of expiry
};

}  // namespace streampulse::core
