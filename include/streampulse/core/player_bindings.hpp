#pragma once
// One viewer token, one player: the first player id a token reports is the only one it may
// report until the token expires (docs/security.md). Every intake asks here: the embedded
// topics publish, the topic intake (item publisher_id), the webhook (event token_id) and CMCD.
//
// An empty token id is the operator's own credential (a Momento API key, the admin token, a
// webhook event the operator signed): trusted, never bound. Bounded: at most `capacity` tokens
// are remembered; an entry lives until its token has expired, and past the capacity a new
// token is refused (BindVerdict::full) rather than an old binding forgotten, since a forgotten
// binding would let its token report a second player.
#include "streampulse/core/clock.hpp"

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace streampulse::core {

enum class BindVerdict {
  ok,        // trusted, newly bound, or bound to this very player
  mismatch,  // the token is bound to another player
  full,      // the token is new and the table is at its capacity
};

class PlayerBindings {
 public:
  struct Settings {
    std::size_t capacity = 262'144;  // ~60 MB at most (two ids of 64 characters each)
    // How long an entry lives when the caller cannot tell the token's expiry (webhook events
    // and subscription items): the token lifetime plus a margin, counted from the first report,
    // which comes after the token was issued.
    EpochMs lifetime_ms = 900'000 + 60'000;
  };
  PlayerBindings() = default;
  explicit PlayerBindings(Settings settings) : settings_(settings) {}

  // Binds `token_id` to `player_id` if it is not bound yet (until `expires_at`, or now plus
  // the lifetime when 0), else checks that it is bound to `player_id`.
  BindVerdict bind(std::string_view token_id, std::string_view player_id, EpochMs now,
                   EpochMs expires_at = 0);
  bool contains(std::string_view token_id) const { return bound_.find(token_id) != bound_.end(); }
  // Forgets the token's binding (a heartbeat that bound it was refused after all).
  void unbind(std::string_view token_id);
  // The same answer as bind() without changing anything (nothing is bound).
  BindVerdict check(std::string_view token_id, std::string_view player_id, EpochMs now);

  std::size_t size() const { return bound_.size(); }
  std::size_t capacity() const { return settings_.capacity; }

 private:
  void prune(EpochMs now);

  struct Entry {
    std::string player_id;
    EpochMs expires_at = 0;
  };
  Settings settings_;
  // Transparent hashing: a lookup by string_view allocates nothing (this runs per heartbeat).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> bound_;
  // Expiry order; the views point at the map's keys, which stay put while the entry lives.
  std::set<std::pair<EpochMs, std::string_view>> expiries_;
};

}  // namespace streampulse::core
