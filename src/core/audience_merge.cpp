// merge_summaries (core/audience_index.hpp): the dashboard's totals over every shard.
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/quality_fields.hpp"

#include <algorithm>
#include <type_traits>

namespace streampulse::core {

namespace {

void add_counts(std::map<std::string, std::uint64_t>& into,
                const std::map<std::string, std::uint64_t>& from) {
  for (const auto& [name, n] : from) into[name] += n;
}

}  // namespace

AudienceTotals merge_summaries(const std::vector<AudienceSummary>& summaries) {
  AudienceTotals t;
  QualitySums sums;
  LogHistogram bitrate{1000};
  std::int64_t weighted_kbps_ms = 0, weighted_ms = 0;
  for (const auto& s : summaries) {
    const AudienceTotals& part = s.totals;
    // Min and max only over shards that have players (theirs are 0 otherwise).
    if (part.players > 0) {
      t.bitrate_min = t.players == 0 ? part.bitrate_min : std::min(t.bitrate_min, part.bitrate_min);
      t.bitrate_max = t.players == 0 ? part.bitrate_max : std::max(t.bitrate_max, part.bitrate_max);
    }
    t.players += part.players;
    t.viewers += part.viewers;
    t.play_time_sum += part.play_time_sum;
    t.bitrate_sum += part.bitrate_sum;
    add_counts(t.browsers, part.browsers);
    add_counts(t.devices, part.devices);
    add_counts(t.os, part.os);
    // A name on several shards keeps the first shard's spelling.
    t.browser_labels.insert(part.browser_labels.begin(), part.browser_labels.end());
    t.device_labels.insert(part.device_labels.begin(), part.device_labels.end());
    t.os_labels.insert(part.os_labels.begin(), part.os_labels.end());
    const NowTotals& pn = part.now;
    if (pn.players > 0) {
      t.now.bitrate_min =
          t.now.players == 0 ? pn.bitrate_min : std::min(t.now.bitrate_min, pn.bitrate_min);
      t.now.bitrate_max =
          t.now.players == 0 ? pn.bitrate_max : std::max(t.now.bitrate_max, pn.bitrate_max);
    }
    t.now.players += pn.players;
    t.now.viewers += pn.viewers;
    t.now.play_time_sum += pn.play_time_sum;
    t.now.bitrate_sum += pn.bitrate_sum;
    add_counts(t.now.browsers, pn.browsers);
    add_counts(t.now.devices, pn.devices);
    add_counts(t.now.os, pn.os);
    auto& q = t.quality;
    const auto& pq = part.quality;
    q.states.playing += pq.states.playing;
    q.states.paused += pq.states.paused;
    q.states.buffering += pq.states.buffering;
    q.zero_buffer_players += pq.zero_buffer_players;
    q.reporters_play_ms += pq.reporters_play_ms;
    for_each_quality_field([&](const auto& field, std::size_t slot) {
      sums.sums[slot] += s.quality.sums[slot];
      sums.reporters[slot] += s.quality.reporters[slot];
      if (field.tally == Tally::percentiles)
        (sums.*field.histogram).merge(s.quality.*field.histogram);
    });
    bitrate.merge(s.bitrate);
    weighted_kbps_ms += s.weighted_kbps_ms;
    weighted_ms += s.weighted_ms;
  }
  // Unique viewers: each shared tally once (the shards of one audience share theirs), read after
  // every shard's summary so that a viewer whose tabs sit on two shards counts once.
  std::vector<const ViewerTally*> seen;
  for (const auto& s : summaries) {
    const ViewerTally* v = s.viewers.get();
    if (!v || std::find(seen.begin(), seen.end(), v) != seen.end()) continue;
    seen.push_back(v);
    t.viewers += v->tracked();
    t.now.viewers += v->active();
  }
  auto& q = t.quality;
  for_each_quality_field([&](const auto& field, std::size_t slot) {
    q.*field.reporters = static_cast<std::uint64_t>(sums.reporters[slot]);
    if (field.tally == Tally::percentiles) {
      const LogHistogram& h = sums.*field.histogram;
      q.*field.p50 = h.percentile(0.5);
      q.*field.p95 = h.percentile(0.95);
      return;
    }
    using Total = std::remove_cvref_t<decltype(q.*field.total)>;
    const std::int64_t sum = sums.sums[slot];
    if constexpr (std::is_integral_v<Total>) {
      q.*field.total = static_cast<Total>(sum);  // scale 1 (checked with the rows)
    } else {
      q.*field.total = static_cast<Total>(static_cast<double>(sum) / field.scale);
    }
  });
  q.bitrate_reporters = bitrate.count();
  q.bitrate_p50 = bitrate.percentile(0.5);
  q.bitrate_p95 = bitrate.percentile(0.95);
  if (weighted_ms > 0)
    q.bitrate_time_weighted =
        static_cast<double>(weighted_kbps_ms) / static_cast<double>(weighted_ms);
  return t;
}

}  // namespace streampulse::core
