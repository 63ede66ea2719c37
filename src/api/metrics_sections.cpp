// The sections of GET /metrics: players by state and quality, the bounds, the streams, the process.
#include "metrics_sections.hpp"
#include "streampulse/core/quality_fields.hpp"
#include "streampulse/service/live_dashboard.hpp"
#include "streampulse/service/memory_limit.hpp"
#include "streampulse/service/process_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace streampulse::api {

void quality_metrics(MetricsText& m, const core::QualityMetrics& q) {
  m.family("streampulse_players_state", "gauge",
           "active players by the state their last heartbeat reported");
  m.sample("streampulse_players_state", "state=\"playing\"", q.states.playing);
  m.sample("streampulse_players_state", "state=\"paused\"", q.states.paused);
  m.sample("streampulse_players_state", "state=\"buffering\"", q.states.buffering);
  m.optional_gauge("streampulse_buffer_rate",
                   "share of the active players reporting a state that are buffering",
                   q.buffer_rate);
  m.optional_gauge("streampulse_rebuffer_ratio",
                   "stalled time over play time plus stalled time, players reporting rebuffering",
                   q.rebuffer_ratio);
  m.optional_gauge("streampulse_zero_buffer_share",
                   "share of the players reporting rebuffering that never stalled",
                   q.zero_buffer_share);
  // The quality fields (core/quality_fields.hpp) by position, the bitrate in its place.
  bool bitrate_written = false;
  auto bitrate_before = [&](int position) {
    if (bitrate_written || position < core::kBitratePosition) return;
    bitrate_written = true;
    m.quantiles("streampulse_bitrate_kbps", "declared bitrate of the renditions played",
                q.bitrate_p50, q.bitrate_p95);
    m.optional_gauge("streampulse_bitrate_time_weighted_kbps",
                     "bitrate weighted by the time played at it", q.bitrate_time_weighted);
  };
  core::for_each_quality_field_by_position([&](const auto& field, std::size_t) {
    bitrate_before(field.position);
    if (field.tally == core::Tally::percentiles) {
      m.quantiles(field.metric, field.help, q.*field.figure_p50, q.*field.figure_p95,
                  1.0 / field.per_unit);
    } else if (const auto& v = q.*field.figure; v) {
      if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(*v)>>) {
        m.metric(field.metric, "gauge", field.help, *v);  // a count: whole units
      } else {
        m.metric(field.metric, "gauge", field.help, *v / field.per_unit);
      }
    }
  });
  bitrate_before(core::kBitratePosition);
}

namespace {

// A per-client slot table (core/client_slots.hpp): clients holding a slot, how many clients
// it can hold, and the slots one client may hold. `slot`: "long_poll", `what`: "topic long-poll".
void slot_table_metrics(MetricsText& m, const std::string& slot, const std::string& what,
                        const core::ClientSlots::Figures& f) {
  m.metric("streampulse_" + slot + "_clients", "gauge", "clients holding a " + what, f.clients);
  m.metric("streampulse_" + slot + "_clients_max", "gauge",
           "clients that may hold " + what + "s at once", f.max_clients);
  m.metric("streampulse_" + slot + "s_per_client_max", "gauge",
           what + "s one client may hold at once", f.per_client);
}

}  // namespace

// Each bound on what clients can make the service hold: its cap beside its use, and what was
// refused or evicted at it (docs/security.md). Label values are fixed sets.
void bounds_metrics(MetricsText& m, service::Services& s,
                    const service::AudienceFigures& audience) {
  m.metric("streampulse_players_max", "gauge", "players tracked at most (the cap)",
           audience.max_players);
  m.metric("streampulse_players_evicted_total", "counter",
           "inactive players dropped to make room for a new player at the cap", audience.evicted);
  const char* distributions[] = {"browser", "os", "device"};
  m.family("streampulse_agent_names", "gauge", "distinct agent names in use, by distribution");
  for (int k = 0; k < 3; ++k)
    m.sample("streampulse_agent_names", fmt::format("distribution=\"{}\"", distributions[k]),
             audience.agent_names[k]);
  m.metric("streampulse_agent_names_max", "gauge",
           "distinct agent names per distribution at most, per audience shard (\"other\" "
           "included)",
           audience.agent_names_max);
  m.family("streampulse_agent_names_folded_total", "counter",
           "heartbeats whose agent name counted as \"other\" because its distribution was full");
  for (int k = 0; k < 3; ++k)
    m.sample("streampulse_agent_names_folded_total",
             fmt::format("distribution=\"{}\"", distributions[k]), audience.agent_names_folded[k]);
  const core::ClientSlots::Figures polls = s.long_poll_slots.figures();
  const core::ClientSlots::Figures streams = s.stream_slots.figures();
  m.metric("streampulse_connections_max", "gauge",
           "open connections at most (the cap; sized from the open-file limit unless set)",
           s.config.max_connections);
  m.metric("streampulse_long_polls_open", "gauge", "topic long-polls waiting", polls.open);
  m.metric("streampulse_long_polls_max", "gauge", "topic long-polls waiting at most",
           s.config.max_long_polls);
  slot_table_metrics(m, "long_poll", "topic long-poll", polls);
  m.metric("streampulse_dashboard_streams_max", "gauge", "open dashboard event streams at most",
           s.live.feed.max_subscribers());
  slot_table_metrics(m, "dashboard_stream", "dashboard stream", streams);
  m.family("streampulse_refusals_total", "counter", "requests refused at a bound, by bound");
  m.sample("streampulse_refusals_total", "reason=\"too_many_players\"", audience.refused);
  m.sample("streampulse_refusals_total", "reason=\"connections\"",
           s.stats.connections_refused.load());
  m.sample("streampulse_refusals_total", "reason=\"long_polls\"",
           s.stats.long_polls_refused.load());
  m.sample("streampulse_refusals_total", "reason=\"long_polls_per_client\"",
           polls.refused_per_client);
  m.sample("streampulse_refusals_total", "reason=\"long_poll_clients\"", polls.refused_table_full);
  m.sample("streampulse_refusals_total", "reason=\"dashboard_streams_per_client\"",
           streams.refused_per_client);
  m.sample("streampulse_refusals_total", "reason=\"dashboard_stream_clients\"",
           streams.refused_table_full);
}

// The process (the names client libraries use, so stock dashboards work) and the build.
void process_metrics(MetricsText& m) {
  const auto p = service::read_process_metrics();
  m.metric("process_cpu_seconds_total", "counter", "user and system CPU time spent in seconds",
           p.cpu_seconds);
  if (p.resident_memory_bytes) {
    m.metric("process_resident_memory_bytes", "gauge", "resident memory size in bytes",
             *p.resident_memory_bytes);
  }
  if (p.virtual_memory_bytes) {
    m.metric("process_virtual_memory_bytes", "gauge", "virtual memory size in bytes",
             *p.virtual_memory_bytes);
  }
  if (p.open_fds) {
    m.metric("process_open_fds", "gauge", "number of open file descriptors", *p.open_fds);
  }
  if (p.max_fds) {
    m.metric("process_max_fds", "gauge", "maximum number of open file descriptors", *p.max_fds);
  }
  if (p.start_time_seconds) {
    m.metric("process_start_time_seconds", "gauge",
             "start time of the process since the Unix epoch in seconds", *p.start_time_seconds);
  }
  // The cgroup's limit beside process_resident_memory_bytes, for alerts (absent when none).
  if (const auto limit = service::cgroup_memory_limit()) {
    m.metric("streampulse_memory_limit_bytes", "gauge",
             "memory limit of the container (cgroup) in bytes", *limit);
  }
  m.family("streampulse_build_info", "gauge", "always 1; the build's version as a label");
  m.sample("streampulse_build_info", fmt::format("version=\"{}\"", STREAMPULSE_VERSION), 1);
}

namespace {

// The streams with the most active viewers get a series each, labelled with their id; the rest
// are summed in one series, stream="(other)" (not a valid stream id, so it never clashes), so
// that the sum over `stream` is the whole audience and the series stay bounded however large
// the catalog (docs/api.md, "Metrics").
constexpr std::size_t kTopStreams = 20;
constexpr const char* kOtherStreams = "(other)";

struct StreamRow {
  const std::string* id;
  std::uint64_t active = 0, tracked = 0, peak = 0;
  bool has_peak = false;
};

}  // namespace

// O(streams in the catalog) per scrape: the per-stream sums are the ones the count publisher
// reads (Audience::stream_figures); the default stream's figures are the whole audience's less
// the others', as GET /api/streams has them. On the state loop (the catalog lives there).
void stream_metrics(MetricsText& m, service::Services& s, const core::DashboardMetrics& whole,
                    const std::map<std::string, core::StreamFigures>& per_stream) {
  const auto ids = s.streams.ids()->current();
  std::vector<StreamRow> rows;
  rows.reserve(ids->ids.size());
  std::uint64_t others_active = 0, others_tracked = 0;
  StreamRow* main_row = nullptr;
  for (const auto& id : ids->ids) {
    StreamRow& r = rows.emplace_back(StreamRow{&id});
    if (id == ids->default_id) continue;
    if (auto it = per_stream.find(id); it != per_stream.end()) {
      r.active = it->second.active;
      r.tracked = it->second.total;
    }
    others_active += r.active;
    others_tracked += r.tracked;
    if (auto it = s.stream_peaks.find(id); it != s.stream_peaks.end() && it->second.at > 0) {
      r.peak = it->second.players;
      r.has_peak = true;
    }
  }
  for (auto& r : rows) {
    if (*r.id == ids->default_id) main_row = &r;
  }
  if (main_row) {
    main_row->active = whole.active > others_active ? whole.active - others_active : 0;
    main_row->tracked = whole.total > others_tracked ? whole.total - others_tracked : 0;
    if (s.live.history.peak().at > 0) {
      main_row->peak = s.live.history.peak().players;
      main_row->has_peak = true;
    }
  }
  const std::size_t top = std::min(kTopStreams, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(top), rows.end(),
                    [](const StreamRow& a, const StreamRow& b) {
                      if (a.active != b.active) return a.active > b.active;
                      return *a.id < *b.id;
                    });
  std::uint64_t rest_active = 0, rest_tracked = 0;
  for (std::size_t i = top; i < rows.size(); ++i) {
    rest_active += rows[i].active;
    rest_tracked += rows[i].tracked;
  }
  const auto label = [](const std::string& id) {
    return fmt::format("stream=\"{}\"", MetricsText::label_value(id));
  };
  m.metric("streampulse_streams", "gauge", "streams in the catalog (the default included)",
           rows.size());
  m.family("streampulse_stream_players_active", "gauge",
           "players seen within the active window, by stream: the 20 streams with the most, "
           "the rest summed as stream=\"(other)\"");
  for (std::size_t i = 0; i < top; ++i)
    m.sample("streampulse_stream_players_active", label(*rows[i].id), rows[i].active);
  m.sample("streampulse_stream_players_active", label(kOtherStreams), rest_active);
  m.family("streampulse_stream_players_tracked", "gauge",
           "players seen within the retention, by stream (the same streams as "
           "streampulse_stream_players_active)");
  for (std::size_t i = 0; i < top; ++i)
    m.sample("streampulse_stream_players_tracked", label(*rows[i].id), rows[i].tracked);
  m.sample("streampulse_stream_players_tracked", label(kOtherStreams), rest_tracked);
  bool any_peak = false;
  for (std::size_t i = 0; i < top; ++i) any_peak = any_peak || rows[i].has_peak;
  if (!any_peak) return;
  m.family("streampulse_stream_players_peak", "gauge",
           "most active players seen at once since start, by stream (the same streams; none "
           "for the rest)");
  for (std::size_t i = 0; i < top; ++i) {
    if (rows[i].has_peak)
      m.sample("streampulse_stream_players_peak", label(*rows[i].id), rows[i].peak);
  }
}

}  // namespace streampulse::api
