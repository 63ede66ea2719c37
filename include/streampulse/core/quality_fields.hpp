#pragma once
// The viewing-quality fields of a heartbeat, described once (issue 19, item 3). One row per
// field says what the field is on the wire, how it is checked, how a player's figure accrues
// from its heartbeats, how the players' figures are totalled and where the total lands in the
// dashboard. The code that parses (core/heartbeat.cpp read_quality), writes and reads the stored
// record (to_analytics_json, parse_analytics_json), keeps the running totals (AudienceIndex:
// carry, apply, accumulated), merges the shards (merge_summaries) and fills the dashboard
// (make_quality) walks the rows; none of it names a quality field.
//
// The rows are a std::tuple of constexpr descriptors, walked by for_each_quality_field with a
// fold expression: on the per-heartbeat path each row is inlined with its member pointers
// known at compile time, as the hand-written code was.
//
// Adding a field: a member of Heartbeat (and kQualityFieldCount), one row below, the members the
// row points at in QualityTotals and QualityMetrics (dashboard.hpp), and, for a field tallied as
// percentiles, its histogram in QualitySums. The dashboard JSON (append_quality_json) and
// /metrics (api/health.cpp) place it by its position. DEVELOPERS.md, "Adding a heartbeat field".
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/dashboard.hpp"
#include "streampulse/core/heartbeat.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace streampulse::core {

// How a player's figure follows its heartbeats.
enum class Accrual : std::uint8_t {
  delta,   // a heartbeat says what happened since the last one: added up per player (the stored
           // record keeps the total, which may exceed one heartbeat's bound)
  latest,  // a measure or a running total of the player's own: the latest value replaces it
};

// How the players' figures are totalled.
enum class Tally : std::uint8_t {
  sum,          // summed over the players that reported it (and those players counted)
  percentiles,  // a log-scale histogram of the players' values: p50, p95 and its count
};

// One quality field. Value: the Heartbeat member's type. Total: the summed figure's type in
// QualityTotals and QualityMetrics (unused by a percentile field).
template <class Value, class Total = double>
struct QualityField {
  std::string_view key;  // the JSON name: heartbeat, stored record, dashboard
  double max;            // one heartbeat's bound: a number in [0, max]
  bool integer;          // whole numbers only
  Accrual accrual;
  std::optional<Value> Heartbeat::*heartbeat;
  // Kept per player (AudienceIndex) as llround(value x scale), so that sums over players add
  // and subtract exactly; a delta's total saturates at cap (scaled), never wraps.
  double scale;
  double cap;
  // Fields reported together share a group name: a player that reports any of them starts all
  // of them at 0 (rebuffering: stalls and stalled time). Empty: alone.
  std::string_view group;
  Tally tally;
  // Tally::sum: the total and its reporters in QualityTotals, the figure in QualityMetrics (set
  // only when someone reported it). Tally::percentiles: the histogram in QualitySums, p50 and
  // p95 in QualityTotals and in QualityMetrics.
  Total QualityTotals::*total = nullptr;
  std::optional<Total> QualityMetrics::*figure = nullptr;
  LogHistogram QualitySums::*histogram = nullptr;
  std::optional<double> QualityTotals::*p50 = nullptr;
  std::optional<double> QualityTotals::*p95 = nullptr;
  std::optional<double> QualityMetrics::*figure_p50 = nullptr;
  std::optional<double> QualityMetrics::*figure_p95 = nullptr;
  // Players reporting it: QualityTotals and the dashboard's "reporting".
  std::uint64_t QualityTotals::*reporters;
  std::uint64_t QualityMetrics::*reporting;
  // Where the figure sits in the dashboard's "quality" object and in /metrics: fields in
  // ascending order, the bitrate (not a field of this table) at kBitratePosition. Its key under
  // "reporting" (empty: counted under the previous field's, a group's second field).
  int position;
  std::string_view reporting_key;
  // /metrics (api/health.cpp): the gauge of a sum, or the quantiles of a percentile field; the
  // figure's units per metric unit (milliseconds per second: 1000).
  std::string_view metric;
  std::string_view help;
  double per_unit = 1;
};

// The bitrate's place among the positions (docs/api.md keeps this order).
inline constexpr int kBitratePosition = 30;

// clang-format off
inline constexpr auto kQualityFields = std::tuple{
    QualityField<double>{
        .key = "startupMs", .max = kMaxStartupMs, .integer = false, .accrual = Accrual::latest,
        .heartbeat = &Heartbeat::startup_ms, .scale = 1000, .cap = 0, .group = {},
        .tally = Tally::percentiles,
        .histogram = &QualitySums::startup,
        .p50 = &QualityTotals::startup_p50, .p95 = &QualityTotals::startup_p95,
        .figure_p50 = &QualityMetrics::startup_p50, .figure_p95 = &QualityMetrics::startup_p95,
        .reporters = &QualityTotals::startup_reporters,
        .reporting = &QualityMetrics::startup_reporting,
        .position = 20, .reporting_key = "startup", .metric = "streampulse_startup_seconds",
        .help = "startup time (play request to first frame)", .per_unit = 1000},
    QualityField<std::uint32_t, std::uint64_t>{
        .key = "rebufferCount", .max = kMaxRebufferCount, .integer = true,
        .accrual = Accrual::delta, .heartbeat = &Heartbeat::rebuffer_count, .scale = 1,
        .cap = std::numeric_limits<std::uint32_t>::max(), .group = "rebuffer", .tally = Tally::sum,
        .total = &QualityTotals::rebuffer_count, .figure = &QualityMetrics::rebuffer_count,
        .reporters = &QualityTotals::rebuffer_reporters,
        .reporting = &QualityMetrics::rebuffer_reporting,
        .position = 10, .reporting_key = "rebuffering", .metric = "streampulse_rebuffer_events",
        .help = "stalls of the tracked players"},
    QualityField<double>{
        .key = "rebufferMs", .max = kMaxRebufferMs, .integer = false, .accrual = Accrual::delta,
        .heartbeat = &Heartbeat::rebuffer_ms, .scale = 1,
        .cap = 1e15,  // 30,000 years: far from int64's end, sums stay exact
        .group = "rebuffer", .tally = Tally::sum,
        .total = &QualityTotals::rebuffer_ms, .figure = &QualityMetrics::rebuffer_ms,
        .reporters = &QualityTotals::rebuffer_reporters,
        .reporting = &QualityMetrics::rebuffer_reporting,
        .position = 11, .reporting_key = {}, .metric = "streampulse_rebuffer_seconds",
        .help = "stalled time of the tracked players", .per_unit = 1000},
    QualityField<std::uint32_t, std::uint64_t>{
        .key = "errors", .max = kMaxErrors, .integer = true, .accrual = Accrual::delta,
        .heartbeat = &Heartbeat::errors, .scale = 1,
        .cap = std::numeric_limits<std::int32_t>::max(), .group = {}, .tally = Tally::sum,
        .total = &QualityTotals::errors, .figure = &QualityMetrics::errors,
        .reporters = &QualityTotals::error_reporters,
        .reporting = &QualityMetrics::errors_reporting,
        .position = 50, .reporting_key = "errors", .metric = "streampulse_playback_errors",
        .help = "playback errors of the tracked players"},
    QualityField<double>{
        .key = "throughputBps", .max = kMaxThroughputBps, .integer = false,
        .accrual = Accrual::latest, .heartbeat = &Heartbeat::throughput_bps, .scale = 1,
        .cap = 0, .group = {}, .tally = Tally::percentiles,
        .histogram = &QualitySums::throughput,
        .p50 = &QualityTotals::throughput_p50, .p95 = &QualityTotals::throughput_p95,
        .figure_p50 = &QualityMetrics::throughput_p50,
        .figure_p95 = &QualityMetrics::throughput_p95,
        .reporters = &QualityTotals::throughput_reporters,
        .reporting = &QualityMetrics::throughput_reporting,
        .position = 40, .reporting_key = "throughput", .metric = "streampulse_throughput_bps",
        .help = "measured throughput (the players' estimate)"},
    QualityField<std::uint64_t, std::uint64_t>{
        .key = "droppedFrames", .max = kMaxDroppedFrames, .integer = true,
        .accrual = Accrual::latest, .heartbeat = &Heartbeat::dropped_frames, .scale = 1,
        .cap = 0, .group = {}, .tally = Tally::sum,
        .total = &QualityTotals::dropped_frames, .figure = &QualityMetrics::dropped_frames,
        .reporters = &QualityTotals::dropped_reporters,
        .reporting = &QualityMetrics::dropped_reporting,
        .position = 60, .reporting_key = "droppedFrames", .metric = "streampulse_dropped_frames",
        .help = "dropped frames of the tracked players"},
};
// clang-format on

static_assert(std::tuple_size_v<decltype(kQualityFields)> == kQualityFieldCount,
              "kQualityFieldCount (heartbeat.hpp) counts the rows of kQualityFields");

// Calls f(field, slot) for each row, in order (the stored record's order); slot is the row's
// index in the per-player and per-index arrays.
template <class F>
constexpr void for_each_quality_field(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::get<I>(kQualityFields), I), ...); }
  (std::make_index_sequence<kQualityFieldCount>{});
}

// The slot of the field named `key` (for the few rules that name one: rebuffering's extras).
consteval std::size_t quality_slot(std::string_view key) {
  std::size_t slot = kQualityFieldCount;
  for_each_quality_field([&](const auto& field, std::size_t i) {
    if (field.key == key) slot = i;
  });
  return slot;
}

// The rules a row must keep, checked when it compiles.
consteval bool quality_rows_are_consistent() {
  bool ok = true;
  std::array<int, kQualityFieldCount> positions{};
  for_each_quality_field([&](const auto& f, std::size_t slot) {
    using Total = std::remove_cvref_t<decltype(std::declval<QualityTotals&>().*f.total)>;
    const bool percentiles = f.tally == Tally::percentiles;
    ok = ok && !f.key.empty() && f.max > 0 && f.scale >= 1 && f.heartbeat != nullptr &&
         f.reporters != nullptr && f.reporting != nullptr && !f.metric.empty() &&
         f.position != kBitratePosition;
    // A delta is summed, saturating below int64's end; a whole-number total is kept unscaled.
    if (f.accrual == Accrual::delta) ok = ok && !percentiles && f.cap >= 1 && f.cap <= 1e15;
    if (percentiles) {
      ok = ok && f.histogram != nullptr && f.p50 != nullptr && f.p95 != nullptr &&
           f.figure_p50 != nullptr && f.figure_p95 != nullptr;
    } else {
      ok = ok && f.total != nullptr && f.figure != nullptr &&
           (!std::is_integral_v<Total> || f.scale == 1);
    }
    positions[slot] = f.position;
  });
  for (std::size_t i = 0; i < positions.size(); ++i)
    for (std::size_t j = i + 1; j < positions.size(); ++j) ok = ok && positions[i] != positions[j];
  return ok;
}
static_assert(quality_rows_are_consistent(), "a row of kQualityFields breaks a rule above");

// The slots in the order of their positions (the dashboard's and /metrics' order).
inline constexpr auto kQualityPositions = [] {
  std::array<std::pair<int, std::size_t>, kQualityFieldCount> order{};
  for_each_quality_field([&](const auto& field, std::size_t slot) {
    order[slot] = {field.position, slot};
  });
  std::sort(order.begin(), order.end());
  std::array<std::size_t, kQualityFieldCount> slots{};
  for (std::size_t i = 0; i < slots.size(); ++i) slots[i] = order[i].second;
  return slots;
}();

// Calls f(field, slot) for each row in the order of positions (the caller puts the bitrate, not
// a row, before the first field past kBitratePosition). Off the hot path: dashboards, /metrics.
template <class F>
void for_each_quality_field_by_position(F&& f) {
  for (std::size_t slot : kQualityPositions) {
    for_each_quality_field([&](const auto& field, std::size_t i) {
      if (i == slot) f(field, slot);
    });
  }
}

// A bit per slot.
using QualityMask = std::uint32_t;
static_assert(kQualityFieldCount <= 32);

// For each slot, the slots of its group (itself included).
inline constexpr auto kQualityGroups = [] {
  std::array<QualityMask, kQualityFieldCount> masks{};
  for_each_quality_field([&](const auto& a, std::size_t i) {
    for_each_quality_field([&](const auto& b, std::size_t j) {
      if (i == j || (!a.group.empty() && a.group == b.group)) masks[i] |= QualityMask{1} << j;
    });
  });
  return masks;
}();

// A value kept per player, in the Heartbeat member's type.
template <class Value, class Total>
Value quality_value(const QualityField<Value, Total>& field, std::int64_t scaled) {
  return static_cast<Value>(static_cast<double>(scaled) / field.scale);
}

// A stored total read back into the Heartbeat member's type: saturated, never converted out of
// range (undefined behaviour; found by the heartbeat fuzzer).
template <class Value>
Value saturated(double d) {
  if constexpr (std::is_integral_v<Value>) {
    constexpr auto kMax = static_cast<double>(std::numeric_limits<Value>::max());
    return d >= kMax ? std::numeric_limits<Value>::max() : static_cast<Value>(d);
  } else {
    return static_cast<Value>(d);
  }
}

}  // namespace streampulse::core
