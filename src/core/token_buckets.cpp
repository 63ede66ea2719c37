#include "streampulse/core/token_buckets.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>

namespace streampulse::core {

RateDecision TokenBuckets::take(std::string_view client, EpochMs now) {
  if (settings_.per_minute <= 0) return {};
  // Integer units, exact: a bucket refills `per_minute` units a millisecond and a token costs
  // kRefillMs units, so a full bucket (per_minute tokens) takes kRefillMs to refill from empty.
  const std::int64_t rate = std::min<std::int64_t>(settings_.per_minute, 1'000'000'000);
  const std::int64_t capacity = rate * kRefillMs;
  // Idle buckets are full again: forgetting them changes nothing.
  while (!lru_.empty() && now - lru_.back().last >= kRefillMs) {
    buckets_.erase(lru_.back().client);
    lru_.pop_back();
  }
  auto found = buckets_.find(client);
  if (found == buckets_.end()) {
    if (buckets_.size() >= std::max<std::size_t>(1, settings_.max_clients)) {
      // Every bucket is in use: the oldest goes idle at its last use + the refill time.
      return {RateDecision::Kind::table_full,
              std::max<EpochMs>(1, lru_.back().last + kRefillMs - now)};
    }
    lru_.push_front(Bucket{std::string(client), capacity, now});
    found = buckets_.emplace(std::string_view(lru_.front().client), lru_.begin()).first;
  } else {
    lru_.splice(lru_.begin(), lru_, found->second);  // most recently used first
  }
  Bucket& b = *found->second;
  const EpochMs elapsed = std::clamp<EpochMs>(now - b.last, 0, kRefillMs);
  b.units = std::min(capacity, b.units + elapsed * rate);
  b.last = std::max(b.last, now);
  if (b.units >= kRefillMs) {
    b.units -= kRefillMs;
    return {};
  }
  return {RateDecision::Kind::over_rate, (kRefillMs - b.units + rate - 1) / rate};
}

std::string rate_key(std::string_view address) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(address), ec);
  if (ec) return std::string(address);
  if (a.is_v4()) return a.to_string();
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace streampulse::core
