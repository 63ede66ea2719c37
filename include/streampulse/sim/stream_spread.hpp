#pragma once
// `streampulse simulate --streams N`: which stream each viewer watches. Streams are the catalog's
// `sim-1` .. `sim-N` (they must exist: PUT /api/streams/sim-K); viewers are spread with a
// Zipf-like skew, as real audiences are: stream k (1-based) gets a share proportional to
// 1 / k^skew, so a few streams are popular and a long tail has a handful of viewers each.
// Pure and deterministic: a viewer's stream depends on its id and the seed only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace streampulse::sim {

class StreamSpread {
 public:
  // streams: N >= 1; skew: the Zipf exponent (0: even; 1: the classic Zipf).
  StreamSpread(std::size_t streams, double skew, std::uint64_t seed);

  // The stream (0-based) of the viewer with this id.
  std::size_t stream_of(std::size_t viewer) const;
  std::size_t size() const { return cumulative_.size(); }
  // The catalog id of stream k (0-based): "sim-<k+1>".
  static std::string stream_id(std::size_t k);

 private:
  std::vector<double> cumulative_;  // the shares added up, the last one 1
  std::uint64_t seed_;
};

}  // namespace streampulse::sim
