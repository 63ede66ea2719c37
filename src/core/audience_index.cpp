#include "streampulse/core/audience_index.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace streampulse::core {
namespace {

constexpr std::string_view kUnknown = "unknown";
constexpr std::string_view kOther = "other";

// Lower-cases into `buf` (agent names are at most kMaxAgentFieldLength characters).
std::string_view lower(std::string_view s, std::array<char, kMaxAgentFieldLength>& buf) {
  const std::size_t n = std::min(s.size(), buf.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return {buf.data(), n};
}

std::int64_t to_milli(double v) { return std::llround(v * 1000.0); }

}  // namespace

std::uint16_t Distribution::add(std::string_view raw) {
  std::array<char, kMaxAgentFieldLength> buf;
  const std::string_view name = raw.empty() ? kUnknown : lower(raw, buf);
  auto it = ids_.find(name);
  if (it == ids_.end()) {
    // Past the bound, new names fold into "other" so hostile input cannot grow memory.
    if (names_.size() + 1 >= max_names_ && name != kOther) return add(kOther);
    it = ids_.emplace(std::string(name), static_cast<std::uint16_t>(names_.size())).first;
    names_.emplace_back(name);
    counts_.push_back(0);
  }
  ++counts_[it->second];
  return it->second;
}

void Distribution::remove(std::uint16_t id) { --counts_[id]; }

std::map<std::string, std::uint64_t> Distribution::counts() const {
  std::map<std::string, std::uint64_t> out;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (counts_[i] > 0) out.emplace(names_[i], counts_[i]);
  }
  return out;
}

AudienceIndex::AudienceIndex()
    : os_(kMaxDistinctNames), browsers_(kMaxDistinctNames), devices_(kMaxDistinctNames) {}

void AudienceIndex::upsert(const Heartbeat& hb) {
  const Agent none{};
  const Agent& agent = hb.agent ? *hb.agent : none;
  // Add the new names before dropping the old ones so a name in use never changes id.
  Player p{to_milli(hb.bitrate), to_milli(hb.play_time), os_.add(agent.os),
           browsers_.add(agent.browser), devices_.add(agent.device)};
  auto [it, inserted] = players_.try_emplace(hb.player_id, p);
  if (!inserted) {
    subtract(it->second);
    it->second = p;
  }
  bitrate_sum_milli_ += p.bitrate_milli;
  play_time_sum_milli_ += p.play_time_milli;
  ++bitrates_[p.bitrate_milli];
}

void AudienceIndex::remove(std::string_view player_id) {
  auto it = players_.find(std::string(player_id));
  if (it == players_.end()) return;
  subtract(it->second);
  players_.erase(it);
}

bool AudienceIndex::contains(std::string_view player_id) const {
  return players_.contains(std::string(player_id));
}

void AudienceIndex::subtract(const Player& p) {
  bitrate_sum_milli_ -= p.bitrate_milli;
  play_time_sum_milli_ -= p.play_time_milli;
  if (auto it = bitrates_.find(p.bitrate_milli); it != bitrates_.end() && --it->second == 0) {
    bitrates_.erase(it);
  }
  os_.remove(p.os);
  browsers_.remove(p.browser);
  devices_.remove(p.device);
}

AudienceTotals AudienceIndex::totals() const {
  AudienceTotals t;
  t.players = players_.size();
  t.play_time_sum = static_cast<double>(play_time_sum_milli_) / 1000.0;
  t.bitrate_sum = static_cast<double>(bitrate_sum_milli_) / 1000.0;
  if (!bitrates_.empty()) {
    t.bitrate_min = static_cast<double>(bitrates_.begin()->first) / 1000.0;
    t.bitrate_max = static_cast<double>(bitrates_.rbegin()->first) / 1000.0;
  }
  t.browsers = browsers_.counts();
  t.devices = devices_.counts();
  t.os = os_.counts();
  return t;
}

}  // namespace streampulse::core
