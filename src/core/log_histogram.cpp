#include "streampulse/core/log_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace streampulse::core {

std::int64_t LogHistogram::scaled(double value) const { return std::llround(value * scale_); }

std::size_t LogHistogram::bucket_of(std::int64_t scaled_value) const {
  const double v = static_cast<double>(scaled_value) / scale_;
  if (!(v >= 1)) return 0;
  const double b = std::floor(std::log10(v) * kPerDecade);
  return 1 + static_cast<std::size_t>(std::min(b, static_cast<double>(kBuckets - 2)));
}

void LogHistogram::add(std::int64_t scaled_value) {
  const auto b = bucket_of(scaled_value);
  ++counts_[b];
  sums_[b] += scaled_value;
  ++count_;
}

void LogHistogram::remove(std::int64_t scaled_value) {
  const auto b = bucket_of(scaled_value);
  if (counts_[b] == 0) return;
  --counts_[b];
  sums_[b] -= scaled_value;
  --count_;
}

void LogHistogram::merge(const LogHistogram& other) {
  for (std::size_t b = 0; b < kBuckets; ++b) {
    counts_[b] += other.counts_[b];
    sums_[b] += other.sums_[b];
  }
  count_ += other.count_;
}

std::optional<double> LogHistogram::percentile(double q) const {
  if (count_ == 0) return std::nullopt;
  // The nearest-rank method: the smallest value with at least q of the values at or below it.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (counts_[b] > 0 && seen >= rank)
      return static_cast<double>(sums_[b]) / static_cast<double>(counts_[b]) / scale_;
  }
  return std::nullopt;
}

}  // namespace streampulse::core
