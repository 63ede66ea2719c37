#pragma once
// A token bucket per client address: how many viewer tokens /api/player-config hands one client
// (STREAMPULSE_TOKENS_PER_ADDRESS_PER_MINUTE). A bucket holds a minute's worth and refills
// continuously. Bounded: at most `max_clients` buckets; a bucket untouched for a minute is full
// again, the same as no bucket, so it is dropped first. When every bucket was used within the
// last minute, a new client is refused until the oldest one goes idle (an attacker with many
// addresses cannot grow the table; IPv6 clients count per /64, see rate_key).
#include "streampulse/core/clock.hpp"

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace streampulse::core {

struct RateDecision {
  enum class Kind { allowed, over_rate, table_full } kind = Kind::allowed;
  EpochMs retry_after_ms = 0;  // when refused: how long until a token is there
  bool allowed() const { return kind == Kind::allowed; }
};

class TokenBuckets {
 public:
  struct Settings {
    std::int64_t per_minute = 600;  // 0: no limit (and no state)
    std::size_t max_clients = 100'000;
  };
  TokenBuckets() = default;
  explicit TokenBuckets(Settings settings) : settings_(settings) {}

  // Takes one token from `client`'s bucket at `now`.
  RateDecision take(std::string_view client, EpochMs now);

  std::size_t size() const { return buckets_.size(); }

 private:
  static constexpr EpochMs kRefillMs = 60'000;  // an empty bucket is full again after this
  struct Bucket {
    std::string client;
    std::int64_t units = 0;  // kRefillMs units make a token (see take)
    EpochMs last = 0;        // last take
  };
  Settings settings_;
  std::list<Bucket> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Bucket>::iterator> buckets_;
};

// The key a client address is limited under: an IPv4 address as is (also when mapped into
// IPv6), an IPv6 address by its /64 (one subscriber's network: its hosts pick addresses freely).
// Anything else (not an address) as is.
std::string rate_key(std::string_view address);

}  // namespace streampulse::core
