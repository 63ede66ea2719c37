#pragma once
// A Prometheus-style latency histogram: fixed bucket bounds (seconds), cumulative on output.
#include <array>
#include <cstdint>

namespace streampulse::service {

struct LatencyHistogram {
  static constexpr std::array<double, 12> kBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01,   0.025,   0.05,   0.1,   0.5,    2.5};
  std::array<std::uint64_t, kBounds.size()> counts{};  // per bucket, not cumulative
  std::uint64_t count = 0;
  double sum = 0;

  void observe(double seconds) {
    for (std::size_t i = 0; i < kBounds.size(); ++i) {
      if (seconds <= kBounds[i]) {
        ++counts[i];
        break;
      }
    }
    ++count;
    sum += seconds;
  }
};

}  // namespace streampulse::service
