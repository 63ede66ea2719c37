#include "streampulse/core/distribution.hpp"

#include "streampulse/core/heartbeat.hpp"

#include <algorithm>
#include <array>

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

}  // namespace

std::uint16_t Distribution::add(std::string_view raw) {
  std::array<char, kMaxAgentFieldLength> buf;
  const std::string_view name = raw.empty() ? kUnknown : lower(raw, buf);
  auto it = ids_.find(name);
  if (it == ids_.end()) {
    // Past the bound, new names fold into "other" (one place is kept for it) so hostile input
    // cannot grow memory.
    if (ids_.size() + 1 >= max_names_ && name != kOther) {
      ++folded_;
      return add(kOther);
    }
    // The label keeps the spelling sent (only new names pay for it, never a known one).
    const std::string_view label = raw.empty() ? kUnknown : raw.substr(0, name.size());
    std::uint16_t id = 0;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
      names_[id] = name;
      labels_[id] = label;
    } else {
      id = static_cast<std::uint16_t>(names_.size());
      names_.emplace_back(name);
      labels_.emplace_back(label);
      counts_.push_back(0);
    }
    it = ids_.emplace(std::string(name), id).first;
  }
  ++counts_[it->second];
  return it->second;
}

void Distribution::remove(std::uint16_t id) {
  if (--counts_[id] > 0) return;
  // Nobody has this name any more: free it, so the bound counts names in use.
  if (auto it = ids_.find(names_[id]); it != ids_.end()) ids_.erase(it);
  std::string().swap(names_[id]);
  std::string().swap(labels_[id]);
  free_.push_back(id);
}

std::map<std::string, std::uint64_t> Distribution::counts() const {
  std::map<std::string, std::uint64_t> out;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (counts_[i] > 0) out.emplace(names_[i], counts_[i]);
  }
  return out;
}

std::map<std::string, std::string> Distribution::labels() const {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (counts_[i] > 0) out.emplace(names_[i], labels_[i]);
  }
  return out;
}

}  // namespace streampulse::core
