// merge_summaries (core/audience_index.hpp): the dashboard's totals over every shard.
#include "streampulse/core/audience_index.hpp"

#include <algorithm>

namespace streampulse::core {

namespace {

void add_counts(std::map<std::string, std::uint64_t>& into,
                const std::map<std::string, std::uint64_t>& from) {
  for (const auto& [name, n] : from) into[name] += n;
}

}  // namespace

AudienceTotals merge_summaries(const std::vector<AudienceSummary>& summaries) {
  AudienceTotals t;
  LogHistogram startup{1000}, bitrate{1000}, throughput{1};
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
    q.rebuffer_reporters += pq.rebuffer_reporters;
    q.zero_buffer_players += pq.zero_buffer_players;
    q.rebuffer_count += pq.rebuffer_count;
    q.rebuffer_ms += pq.rebuffer_ms;
    q.reporters_play_ms += pq.reporters_play_ms;
    q.error_reporters += pq.error_reporters;
    q.errors += pq.errors;
    q.dropped_reporters += pq.dropped_reporters;
    q.dropped_frames += pq.dropped_frames;
    startup.merge(s.startup);
    bitrate.merge(s.bitrate);
    throughput.merge(s.throughput);
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
  q.startup_reporters = startup.count();
  q.bitrate_reporters = bitrate.count();
  q.throughput_reporters = throughput.count();
  q.startup_p50 = startup.percentile(0.5);
  q.startup_p95 = startup.percentile(0.95);
  q.bitrate_p50 = bitrate.percentile(0.5);
  q.bitrate_p95 = bitrate.percentile(0.95);
  q.throughput_p50 = throughput.percentile(0.5);
  q.throughput_p95 = throughput.percentile(0.95);
  if (weighted_ms > 0)
    q.bitrate_time_weighted =
        static_cast<double>(weighted_kbps_ms) / static_cast<double>(weighted_ms);
  return t;
}

}  // namespace streampulse::core
