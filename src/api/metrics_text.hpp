#pragma once
// Prometheus text format (0.0.4), one family at a time; kept clean under `promtool check
// metrics` (scripts/check-metrics.sh): counters end in _total, only summaries carry `quantile`.
#include "streampulse/service/latency_histogram.hpp"

#include <fmt/format.h>

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

namespace streampulse::api {

class MetricsText {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n", name, help, type);
  }
  template <class T>
  void sample(std::string_view name, std::string_view labels, const T& counter) {
    const auto value = plain(counter);
    if (labels.empty()) {
      out_ += fmt::format("{} {}\n", name, value);
    } else {
      out_ += fmt::format("{}{{{}}} {}\n", name, labels, value);
    }
  }
  template <class T>
  void metric(std::string_view name, std::string_view type, std::string_view help, const T& value) {
    family(name, type, help);
    sample(name, "", value);
  }
  // A gauge whose value nobody reported is left out (absent, never 0).
  void optional_gauge(std::string_view name, std::string_view help,
                      const std::optional<double>& value) {
    if (!value) return;
    metric(name, "gauge", help, *value);
  }
  // Percentiles over the tracked players, as a summary: only summaries may carry `quantile`.
  // No _sum/_count: these are not observations accumulated over time (players come and go),
  // and the text format makes both optional.
  void quantiles(std::string_view name, std::string_view help, const std::optional<double>& p50,
                 const std::optional<double>& p95, double scale = 1) {
    if (!p50) return;
    family(name, "summary", help);
    sample(name, "quantile=\"0.5\"", *p50 * scale);
    if (p95) sample(name, "quantile=\"0.95\"", *p95 * scale);
  }
  void histogram(std::string_view name, std::string_view help, const service::LatencyHistogram& h) {
    family(name, "histogram", help);
    histogram_samples(name, "", h);
  }
  // One histogram's samples; `labels` (may be empty) go before `le`.
  void histogram_samples(std::string_view name, std::string_view labels,
                         const service::LatencyHistogram& h) {
    const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
    const std::string braces = labels.empty() ? std::string() : fmt::format("{{{}}}", labels);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.kBounds.size(); ++i) {
      cumulative += h.counts[i];
      out_ += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, prefix, h.kBounds[i], cumulative);
    }
    out_ += fmt::format("{0}_bucket{{{1}le=\"+Inf\"}} {2}\n{0}_sum{3} {4}\n{0}_count{3} {2}\n",
                        name, prefix, h.count, braces, h.sum);
  }
  std::string take() { return std::move(out_); }

  // A label value as the text format wants it: backslash, double quote and line feed escaped.
  static std::string label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (const char c : v) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '"') {
        out += "\\\"";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    return out;
  }

 private:
  // A number as it is, or an atomic counter's value (service::Stats).
  template <class T>
  static auto plain(const T& v) {
    if constexpr (requires { v.load(); }) {
      return v.load(std::memory_order_relaxed);
    } else {
      return v;
    }
  }
  std::string out_;
};

}  // namespace streampulse::api
