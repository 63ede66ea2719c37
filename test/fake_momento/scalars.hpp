#pragma once
// Cache scalars (the HTTP API's /cache and Scs Get/Set/Delete): values with a TTL, bounded in
// total bytes. EmbeddedStore has no scalars, so the fake keeps them itself.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace streampulse::testing::fake {

class ScalarStore {
 public:
  ScalarStore(std::size_t max_item_bytes, std::size_t max_total_bytes)
      : max_item_(max_item_bytes), max_total_(max_total_bytes) {}

  enum class SetResult { ok, item_too_large, store_full };
  SetResult set(std::string key, std::string value, std::int64_t ttl_ms, std::int64_t now_ms);
  std::optional<std::string> get(std::string_view key, std::int64_t now_ms);
  void remove(std::string_view key);
  std::size_t total_bytes() const { return total_; }

 private:
  struct Entry {
    std::string value;
    std::int64_t expires_at_ms;
  };
  void sweep(std::int64_t now_ms);

  std::size_t max_item_;
  std::size_t max_total_;
  std::size_t total_ = 0;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace streampulse::testing::fake
