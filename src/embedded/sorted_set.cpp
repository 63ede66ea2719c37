#include "sorted_set.hpp"

#include <cmath>
#include <limits>
#include <utility>

namespace streampulse::embedded::detail {

void SortedSet::put(std::string member, double score) {
  if (auto it = by_member_.find(std::string_view{member}); it != by_member_.end()) {
    if ((*it)->score == score) return;
    // Tree keys are immutable: take the node out and put a re-scored one in. The hash node is
    // reused (extract/insert) so a re-score allocates only the new tree node.
    auto node = by_member_.extract(it);
    tree_.erase(*node.value());
    node.value() = &*tree_.insert(Entry{score, std::move(member)}).first;
    by_member_.insert(std::move(node));
    return;
  }
  const Entry* entry = &*tree_.insert(Entry{score, std::move(member)}).first;
  by_member_.insert(entry);
}

bool SortedSet::remove(std::string_view member) {
  auto it = by_member_.find(member);
  if (it == by_member_.end()) return false;
  const Entry* entry = *it;
  by_member_.erase(it);
  tree_.erase(*entry);
  return true;
}

std::optional<double> SortedSet::score_of(std::string_view member) const {
  auto it = by_member_.find(member);
  if (it == by_member_.end()) return std::nullopt;
  return (*it)->score;
}

std::vector<store::ScoredMember> SortedSet::fetch_by_score(
    store::ScoreRange range, std::optional<std::uint32_t> limit) const {
  std::vector<store::ScoredMember> out;
  auto it = range.min ? tree_.lower_bound(Entry{*range.min, {}}) : tree_.begin();
  const std::size_t cap = limit ? *limit : std::numeric_limits<std::size_t>::max();
  for (; it != tree_.end() && out.size() < cap; ++it) {
    if (range.max && it->score > *range.max) break;
    out.push_back({it->member, it->score});
  }
  return out;
}

std::size_t SortedSet::count_below(std::optional<double> bound) const {
  if (!bound) return 0;
  // "" sorts before every member, so (bound, "") is the smallest key with score == bound.
  return tree_.order_of_key(Entry{*bound, {}});
}

std::size_t SortedSet::count_up_to(std::optional<double> bound) const {
  if (!bound || *bound == std::numeric_limits<double>::infinity()) return tree_.size();
  // score <= b  <=>  score < nextafter(b, +inf), for every non-NaN b below +inf.
  return count_below(std::nextafter(*bound, std::numeric_limits<double>::infinity()));
}

std::uint64_t SortedSet::length_by_score(store::ScoreRange range) const {
  const std::size_t below = count_below(range.min);
  const std::size_t up_to = count_up_to(range.max);
  return up_to > below ? up_to - below : 0;
}

}  // namespace streampulse::embedded::detail
