#pragma once
// One sorted set: member -> score, ordered by (score, member). Private to the embedded backend.
//
// Two indexes share one copy of each member string: an order-statistics red-black tree over
// (score, member) answers range counts in O(log n), and a hash set of pointers into the tree's
// nodes finds a member's current score. Per member that is one 80-byte tree node and one 16-byte
// hash node plus a bucket pointer: measured at 128 bytes with glibc malloc while the member fits
// the std::string small buffer (15 chars); longer members add one heap block for the string.
#include "streampulse/store/store.hpp"

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace streampulse::embedded::detail {

class SortedSet {
 public:
  // Inserts or re-scores. The score must not be NaN (the caller validates).
  void put(std::string member, double score);
  // True when the member was there.
  bool remove(std::string_view member);

  std::vector<store::ScoredMember> fetch_by_score(store::ScoreRange range,
                                                  std::optional<std::uint32_t> limit) const;
  std::uint64_t length_by_score(store::ScoreRange range) const;

  std::size_t size() const { return by_member_.size(); }
  bool empty() const { return by_member_.empty(); }
  std::optional<double> score_of(std::string_view member) const;

 private:
  struct Entry {
    double score;
    std::string member;
  };
  struct EntryLess {
    bool operator()(const Entry& a, const Entry& b) const noexcept {
      if (a.score != b.score) return a.score < b.score;
      return a.member < b.member;
    }
  };
  using Tree = __gnu_pbds::tree<Entry, __gnu_pbds::null_type, EntryLess, __gnu_pbds::rb_tree_tag,
                                __gnu_pbds::tree_order_statistics_node_update>;

  // Hashes and compares the member of an Entry in the tree, or a bare string_view (transparent
  // lookup). noexcept and not std::hash<string> itself, so libstdc++ does not cache the hash in
  // each node: that keeps a hash node at 16 bytes.
  struct MemberHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
    std::size_t operator()(const Entry* e) const noexcept { return (*this)(e->member); }
  };
  struct MemberEq {
    using is_transparent = void;
    static std::string_view key(std::string_view s) noexcept { return s; }
    static std::string_view key(const Entry* e) noexcept { return e->member; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return key(a) == key(b);
    }
  };

  // Number of entries with score < bound (nullopt: none).
  std::size_t count_below(std::optional<double> bound) const;
  // Number of entries with score <= bound (nullopt: all).
  std::size_t count_up_to(std::optional<double> bound) const;

  Tree tree_;
  std::unordered_set<const Entry*, MemberHash, MemberEq> by_member_;
};

}  // namespace streampulse::embedded::detail
