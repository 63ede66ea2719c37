// `streampulse simulate --streams N` (issue 15): viewers spread over sim-1 .. sim-N with a
// Zipf-like skew, and the simulator's books per stream: each viewer's count against its own
// stream's true audience.
#include "streampulse/sim/stream_spread.hpp"
#include "streampulse/sim/audience_ledger.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace streampulse::sim {
namespace {

TEST(StreamSpread, AFewStreamsArePopularAndTheTailIsLong) {
  const StreamSpread spread(100, 1.0, 42);
  std::vector<int> viewers(100, 0);
  for (std::size_t v = 0; v < 100'000; ++v) ++viewers[spread.stream_of(v)];
  // Zipf over 100 streams: the first has about 1/H(100) = 19 % of the viewers, the second half.
  EXPECT_NEAR(viewers[0] / 100'000.0, 0.193, 0.01);
  EXPECT_NEAR(static_cast<double>(viewers[1]) / viewers[0], 0.5, 0.05);
  EXPECT_GT(viewers[99], 0);                // the tail is watched
  EXPECT_LT(viewers[99], viewers[0] / 50);  // ... by a few
  EXPECT_EQ(StreamSpread::stream_id(0), "sim-1");
}

TEST(StreamSpread, IsDeterministicAndEvenWithoutSkew) {
  const StreamSpread a(10, 0.0, 7), b(10, 0.0, 7);
  std::vector<int> viewers(10, 0);
  for (std::size_t v = 0; v < 10'000; ++v) {
    ASSERT_EQ(a.stream_of(v), b.stream_of(v));
    ++viewers[a.stream_of(v)];
  }
  for (int n : viewers) EXPECT_NEAR(n, 1000, 150);
  const StreamSpread one(1, 1.0, 7);
  EXPECT_EQ(one.stream_of(12345), 0u);
}

TEST(AudienceLedgerStreams, EachViewerIsCheckedAgainstItsOwnStream) {
  LedgerOptions o;
  o.warmup_ms = 0;
  o.sample_size = 10;
  AudienceLedger l(o, 0);
  // Two viewers on stream 0, one on stream 1.
  l.add_viewer(true, false, 0);
  l.add_viewer(true, false, 0);
  l.add_viewer(true, false, 1);
  for (std::size_t i = 0; i < 3; ++i) l.heartbeat_ok(i, 100);
  EXPECT_EQ(l.true_audience(200), 3);
  EXPECT_EQ(l.true_audience_of(0, 200), 2);
  EXPECT_EQ(l.true_audience_of(1, 200), 1);
  l.delivered(0, 2, 150);
  l.delivered(1, 2, 150);
  l.delivered(2, 1, 150);
  l.sample(200);
  EXPECT_EQ(l.accuracy().steady_mismatches, 0u);
  EXPECT_EQ(l.accuracy().exact, 3u);
  // A viewer of stream 1 shown the whole service's count is a mismatch.
  l.delivered(2, 3, 250);
  l.sample(300);
  EXPECT_EQ(l.accuracy().steady_mismatches, 1u);
}

}  // namespace
}  // namespace streampulse::sim
