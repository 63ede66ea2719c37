#include "streampulse/sim/audience_ledger.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace streampulse::sim {

namespace {
constexpr std::size_t kMismatchesKept = 5;
}

AudienceLedger::AudienceLedger(LedgerOptions options, std::int64_t start_ms)
    : options_(options), start_ms_(start_ms) {}

std::size_t AudienceLedger::add_viewer(bool subscribed, bool churn_join, std::size_t stream) {
  const std::size_t id = viewers_.size();
  ViewerState v;
  v.stream = stream;
  v.subscribed = subscribed;
  v.churn_join = churn_join;
  if (subscribed && sampled_.size() < options_.sample_size) {
    v.sampled = true;
    sampled_.push_back(id);
  }
  viewers_.push_back(v);
  return id;
}

bool AudienceLedger::watching(std::size_t id, std::int64_t now_ms) const {
  const auto& v = viewers_[id];
  return v.admitted && now_ms - v.last_ok_ms <= options_.active_window_ms;
}

std::int64_t AudienceLedger::true_audience(std::int64_t now_ms) const {
  std::int64_t n = 0;
  for (const auto& v : viewers_) {
    if (v.admitted && now_ms - v.last_ok_ms <= options_.active_window_ms) ++n;
  }
  return n;
}

std::int64_t AudienceLedger::true_audience_of(std::size_t stream, std::int64_t now_ms) const {
  std::int64_t n = 0;
  for (const auto& v : viewers_) {
    if (v.stream == stream && v.admitted && now_ms - v.last_ok_ms <= options_.active_window_ms) ++n;
  }
  return n;
}

bool AudienceLedger::steady(std::int64_t now_ms) const {
  return now_ms - start_ms_ >= options_.warmup_ms && now_ms > quiet_until_ms_;
}

void AudienceLedger::heartbeat_ok(std::size_t id, std::int64_t now_ms) {
  auto& v = viewers_[id];
  if (v.left) return;
  const bool first = !v.admitted;
  v.admitted = true;
  v.last_ok_ms = now_ms;
  if (first && v.churn_join) {
    announce(id, now_ms, true_audience_of(v.stream, now_ms), now_ms, true);
  }
}

void AudienceLedger::leave(std::size_t id, std::int64_t now_ms) {
  auto& v = viewers_[id];
  if (v.left) return;
  const bool counted = watching(id, now_ms);
  v.left = true;
  if (v.sampled) {
    v.sampled = false;
    std::erase(sampled_, id);
    // Its place goes to the first subscribed viewer still watching that is not sampled.
    for (std::size_t i = 0; i < viewers_.size() && sampled_.size() < options_.sample_size; ++i) {
      auto& w = viewers_[i];
      if (w.subscribed && !w.sampled && !w.left && w.admitted) {
        w.sampled = true;
        w.resolved_event = event_.id;  // it was not expected to resolve the current one
        sampled_.push_back(i);
        break;
      }
    }
  }
  if (!counted) return;  // never admitted, or already out of the window: nothing changes
  const std::int64_t effective = std::max(now_ms, v.last_ok_ms + options_.active_window_ms);
  announce(id, effective, true_audience_of(v.stream, now_ms) - 1, now_ms, false);
}

void AudienceLedger::announce(std::size_t subject, std::int64_t effective_ms, std::int64_t audience,
                              std::int64_t now_ms, bool join) {
  close_event(now_ms, false);
  event_.id += 1;
  event_.effective_ms = effective_ms;
  event_.audience = audience;
  event_.subject = subject;
  event_.stream = viewers_[subject].stream;
  event_.resolved = 0;
  event_.expected = 0;
  for (const std::size_t id : sampled_) {
    if (id != subject && viewers_[id].stream == event_.stream && viewers_[id].subscribed &&
        watching(id, now_ms))
      ++event_.expected;
  }
  ++freshness_.events;
  ++(join ? freshness_.joins : freshness_.leaves);
  quiet_until_ms_ = std::max(quiet_until_ms_, effective_ms + options_.quiet_ms);
}

void AudienceLedger::close_event(std::int64_t now_ms, bool at_end) {
  if (event_.id == 0 || event_.expected == 0) return;
  if (at_end && now_ms - event_.effective_ms < options_.quiet_ms) return;  // too young to judge
  if (event_.expected > event_.resolved) {
    freshness_.unresolved += event_.expected - event_.resolved;
  }
  event_.expected = 0;
}

void AudienceLedger::delivered(std::size_t id, std::int64_t count, std::int64_t now_ms) {
  ++deliveries_;
  auto& v = viewers_[id];
  v.seen = count;
  if (!v.sampled || event_.id == 0 || v.resolved_event >= event_.id || id == event_.subject ||
      v.stream != event_.stream || count != event_.audience) {
    return;
  }
  v.resolved_event = event_.id;
  ++event_.resolved;
  ++freshness_.resolved;
  std::int64_t ms = now_ms - event_.effective_ms;
  if (ms < 0) {
    ++freshness_.early;
    ms = 0;
  }
  freshness_.latency.record(std::chrono::microseconds(ms * 1000));
  freshness_.max_ms = std::max(freshness_.max_ms, static_cast<double>(ms));
}

void AudienceLedger::topic_item(std::uint64_t page, std::uint64_t sequence_number,
                                std::size_t stream) {
  // Each stream's count has its own topic, and so its own sequence numbers.
  if (stream >= topics_.size()) topics_.resize(stream + 1);
  Topic& topic = topics_[stream];
  if (!topic.any_item || page != topic.page) {
    topic.any_item = true;
    topic.page = page;
    topic.max_sequence = sequence_number;
    ++publishes_;
    return;
  }
  if (sequence_number > topic.max_sequence) {
    topic.max_sequence = sequence_number;
    ++publishes_;
  }
}

void AudienceLedger::sample(std::int64_t now_ms) {
  std::int64_t subscribed = 0;
  std::vector<std::int64_t> truths;  // per stream
  for (const auto& v : viewers_) {
    if (v.admitted && now_ms - v.last_ok_ms <= options_.active_window_ms) {
      if (v.stream >= truths.size()) truths.resize(v.stream + 1, 0);
      ++truths[v.stream];
      if (v.subscribed) ++subscribed;
    }
  }
  if (last_sample_ms_ >= 0 && now_ms > last_sample_ms_) {
    viewer_ms_ += static_cast<double>(subscribed) * static_cast<double>(now_ms - last_sample_ms_);
  }
  last_sample_ms_ = now_ms;
  const bool is_steady = steady(now_ms);
  auto& a = accuracy_;
  for (const std::size_t id : sampled_) {
    const auto& v = viewers_[id];
    if (!v.admitted || now_ms - v.last_ok_ms > options_.active_window_ms) continue;
    const std::int64_t truth = truths[v.stream];  // its own stream's audience
    ++a.samples;
    if (is_steady) ++a.steady_samples;
    if (v.seen < 0) {
      ++a.unseen;
    } else {
      const auto diff = static_cast<double>(std::llabs(v.seen - truth));
      if (diff <= options_.tolerance * static_cast<double>(truth)) {
        ++a.within;
        if (is_steady) ++a.steady_within;
      }
      if (v.seen == truth) ++a.exact;
      a.min_seen = a.min_seen < 0 ? v.seen : std::min(a.min_seen, v.seen);
      a.max_seen = std::max(a.max_seen, v.seen);
    }
    if (is_steady && v.seen != truth) {
      ++a.steady_mismatches;
      if (a.first_mismatches.size() < kMismatchesKept) {
        a.first_mismatches.push_back({now_ms - start_ms_, id, v.seen, truth});
      }
    }
  }
}

void AudienceLedger::finish(std::int64_t now_ms) { close_event(now_ms, true); }

}  // namespace streampulse::sim
