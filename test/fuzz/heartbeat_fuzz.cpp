// parse_heartbeat and parse_analytics_json on arbitrary bytes. An accepted heartbeat must obey
// every documented limit and survive the trip through the analytics dictionary (numbers to
// within a few ulps, see within_ulps()).
#include "fuzz_check.hpp"
#include "streampulse/core/heartbeat.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace streampulse;

namespace {

// Boost.JSON 1.81 parses decimals without correct rounding (no number_precision::precise
// before 1.83): "2.655555555555555555555555" read, written shortest and read again can move
// by an ulp. A few ulps are tolerated; anything more is a real loss.
bool within_ulps(double a, double b) {
  return std::fabs(a - b) <=
         4 * std::numeric_limits<double>::epsilon() * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_view(data, size);
  if (auto hb = core::parse_heartbeat(text)) {
    FUZZ_CHECK(core::is_valid_player_id(hb->player_id));
    FUZZ_CHECK(hb->bitrate >= 0 && hb->bitrate <= core::kMaxBitrate);
    FUZZ_CHECK(hb->play_time >= 0 && hb->play_time <= core::kMaxPlayTime);
    if (hb->agent) {
      FUZZ_CHECK(hb->agent->os.size() <= core::kMaxAgentFieldLength);
      FUZZ_CHECK(hb->agent->browser.size() <= core::kMaxAgentFieldLength);
      FUZZ_CHECK(hb->agent->device.size() <= core::kMaxAgentFieldLength);
    }
    const auto stored = core::to_analytics_json(*hb);
    auto back = core::parse_analytics_json(hb->player_id, stored);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(within_ulps(back->bitrate, hb->bitrate) &&
               within_ulps(back->play_time, hb->play_time));
    FUZZ_CHECK(back->agent.has_value() == hb->agent.has_value());
    if (hb->agent) {
      FUZZ_CHECK(back->agent->os == hb->agent->os);
      FUZZ_CHECK(back->agent->browser == hb->agent->browser);
      FUZZ_CHECK(back->agent->device == hb->agent->device);
    }
  }
  // The pruner and snapshot reader also parse stored values that may have been edited by hand.
  (void)core::parse_analytics_json("p", text);
  return 0;
}
