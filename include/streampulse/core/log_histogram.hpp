#pragma once
// A fixed log-scale histogram for percentiles over a changing population: values are added and
// removed as players report and leave, and a percentile costs O(buckets), whatever the number
// of players. Buckets are 1/20 of a decade wide (about 12 %); each keeps the exact sum of its
// values, so a percentile is the mean of the values in its bucket (exact when they are equal).
#include <array>
#include <cstdint>
#include <optional>

namespace streampulse::core {

class LogHistogram {
 public:
  static constexpr int kPerDecade = 20;
  static constexpr int kDecades = 12;  // 1 .. 1e12; below 1 is bucket 0, above is the last
  static constexpr std::size_t kBuckets = 2 + kPerDecade * kDecades;

  // Values are kept as integers of value x scale (so removal is exact).
  explicit LogHistogram(double scale = 1) : scale_(scale) {}

  std::int64_t scaled(double value) const;  // what add/remove take
  void add(std::int64_t scaled_value);
  void remove(std::int64_t scaled_value);
  std::uint64_t count() const { return count_; }
  // Adds every value of `other` (same scale): histograms of several shards merged.
  void merge(const LogHistogram& other);
  // q in (0, 1]; nullopt when empty.
  std::optional<double> percentile(double q) const;

 private:
  std::size_t bucket_of(std::int64_t scaled_value) const;
  double scale_;
  std::uint64_t count_ = 0;
  std::array<std::uint32_t, kBuckets> counts_{};
  std::array<std::int64_t, kBuckets> sums_{};
};

}  // namespace streampulse::core
