#include "streampulse/sim/stream_spread.hpp"

#include <algorithm>
#include <cmath>

namespace streampulse::sim {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

StreamSpread::StreamSpread(std::size_t streams, double skew, std::uint64_t seed) : seed_(seed) {
  streams = std::max<std::size_t>(streams, 1);
  cumulative_.reserve(streams);
  double sum = 0;
  for (std::size_t k = 1; k <= streams; ++k) {
    sum += 1.0 / std::pow(static_cast<double>(k), skew);
    cumulative_.push_back(sum);
  }
  for (double& c : cumulative_) c /= sum;
  cumulative_.back() = 1.0;
}

std::size_t StreamSpread::stream_of(std::size_t viewer) const {
  // A uniform draw in [0, 1) from the viewer's id and the seed.
  const double u = static_cast<double>(splitmix64(seed_ ^ splitmix64(viewer)) >> 11) * 0x1.0p-53;
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  return std::min<std::size_t>(static_cast<std::size_t>(it - cumulative_.begin()),
                               cumulative_.size() - 1);
}

std::string StreamSpread::stream_id(std::size_t k) { return "sim-" + std::to_string(k + 1); }

}  // namespace streampulse::sim
