// Stored analytics values are read back leniently (totals may exceed one heartbeat's bounds),
// but never converted out of range: a hostile or corrupt stored total saturates.
#include "streampulse/core/heartbeat.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <optional>

namespace streampulse::core {
namespace {

TEST(StoredTotals, HugeCountsSaturateInsteadOfOverflowing) {
  // Found by the heartbeat fuzzer (10-minute run): a 1e21 "errors" total was cast to uint32.
  auto hb = parse_analytics_json(
      "p", R"({"playerId":"p","bitrate":8,"playTime":0,"errors":1038888888880888880880.5,)"
           R"("rebufferCount":1e300,"rebufferMs":5})");
  ASSERT_TRUE(hb.has_value());
  EXPECT_EQ(hb->errors, std::optional<std::uint32_t>(std::numeric_limits<std::uint32_t>::max()));
  EXPECT_EQ(hb->rebuffer_count,
            std::optional<std::uint32_t>(std::numeric_limits<std::uint32_t>::max()));
  EXPECT_EQ(hb->rebuffer_ms, std::optional<double>(5));
}

}  // namespace
}  // namespace streampulse::core
