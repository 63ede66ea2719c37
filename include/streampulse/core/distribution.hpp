#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace streampulse::core {

// One distribution (browsers, devices or os): lower-cased names with player counts, and for each
// name the spelling its first player sent (label(), for display: "QQBrowser", "tvOS"). The number
// of distinct names in use is bounded (max_names, "other" included); new names beyond the bound
// count as "other" (folded() counts those adds). A name whose count drops to zero is freed and
// its id reused, so made-up names of departed players never fill the table.
class Distribution {
 public:
  explicit Distribution(std::size_t max_names) : max_names_(max_names) {}
  std::uint16_t add(std::string_view name);  // returns the name's id
  void remove(std::uint16_t id);
  std::map<std::string, std::uint64_t> counts() const;  // names with a count above zero
  const std::string& name(std::uint16_t id) const { return names_[id]; }
  // The name as its first player (since it was last unused) sent it; "unknown" for none.
  const std::string& label(std::uint16_t id) const { return labels_[id]; }
  std::size_t ids() const { return names_.size(); }  // ids ever handed out (name() and label())
  // Lower-cased name -> label, for the names in use.
  std::map<std::string, std::string> labels() const;
  std::size_t names() const { return ids_.size(); }  // names in use
  std::size_t max_names() const { return max_names_; }
  std::uint64_t folded() const { return folded_; }

 private:
  // Transparent hashing: a lookup by string_view allocates nothing (this runs per heartbeat).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t max_names_;
  std::unordered_map<std::string, std::uint16_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;   // by id; "" for a freed id
  std::vector<std::string> labels_;  // by id: as sent (set when the id is handed out)
  std::vector<std::uint64_t> counts_;
  std::vector<std::uint16_t> free_;  // freed ids, reused first
  std::uint64_t folded_ = 0;
};

}  // namespace streampulse::core
