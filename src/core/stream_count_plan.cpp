#include "streampulse/core/stream_count_plan.hpp"

#include <algorithm>

namespace streampulse::core {

PublishBudget::PublishBudget(std::uint64_t per_s)
    : per_s_(std::max<std::uint64_t>(per_s, 1)),
      burst_(std::max(1.0, static_cast<double>(per_s_) / 10)),
      tokens_(burst_) {}

void PublishBudget::refill(EpochMs now) {
  if (last_ != 0 && now > last_)
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now - last_) * per_s_ / 1000.0);
  if (now > last_) last_ = now;
}

bool PublishBudget::take(EpochMs now) {
  refill(now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

StreamCountPlan::StreamCountPlan(CountPolicySettings settings, std::uint64_t max_publishes_per_s)
    : settings_(settings), budget_(max_publishes_per_s) {}

std::vector<StreamPublish> StreamCountPlan::observe(
    const std::map<std::string, std::uint64_t>& active, EpochMs now) {
  for (const auto& [id, count] : active) {
    if (count > 0 && !streams_.contains(id))
      streams_.emplace(id, Planned{CountPolicy(settings_), {}});
  }
  // Every planned stream observes its count (0 when absent); what is due, changes first.
  std::vector<StreamPublish> changes, keepalives;
  for (auto& [id, planned] : streams_) {
    auto it = active.find(id);
    const std::uint64_t count = it == active.end() ? 0 : it->second;
    const auto decision = planned.policy.observe(count, now, 0, 0);
    if (!decision.publish) continue;
    (planned.last == decision.count ? keepalives : changes).push_back({id, decision.count});
  }
  // Round-robin: those after where the last tick stopped first.
  auto rotate = [this](std::vector<StreamPublish>& v) {
    auto first = std::upper_bound(
        v.begin(), v.end(), resume_after_,
        [](const std::string& key, const StreamPublish& p) { return key < p.stream_id; });
    std::rotate(v.begin(), first, v.end());
  };
  rotate(changes);
  rotate(keepalives);
  std::vector<StreamPublish> due;
  for (auto* list : {&changes, &keepalives}) {
    for (auto& p : *list) {
      if (!budget_.take(now)) {
        ++deferred_;
        continue;
      }
      due.push_back(std::move(p));
    }
  }
  if (!due.empty()) resume_after_ = due.back().stream_id;
  return due;
}

void StreamCountPlan::published(const std::string& stream_id, std::uint64_t count, EpochMs now) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  it->second.policy.published(count, now);
  it->second.last = count;
  if (count == 0) streams_.erase(it);  // nobody left: no keepalives, no cost
}

}  // namespace streampulse::core
