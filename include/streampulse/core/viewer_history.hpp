#pragma once
// Active viewers over time: one point per second for the last hour and one per minute for the
// last day (each the highest count sampled in its second or minute), and the peak with its
// time. Fixed-size rings: memory does not grow with time or viewers.
#include "streampulse/core/clock.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::core {

class ViewerHistory {
 public:
  static constexpr std::size_t kSeconds = 3600;
  static constexpr std::size_t kMinutes = 1440;

  ViewerHistory();

  // A sample of the active count at `now`.
  void record(EpochMs now, std::uint64_t active);

  struct Peak {
    std::uint64_t players = 0;
    EpochMs at = 0;  // 0: no sample yet
  };
  Peak peak() const { return peak_; }
  // The value of the second or minute holding `at`, if sampled and still in the ring.
  std::optional<std::uint64_t> second_at(EpochMs at) const;
  std::optional<std::uint64_t> minute_at(EpochMs at) const;

  // {"perSecond":{"from":ms,"stepMs":1000,"counts":[n|null,...]},
  //  "perMinute":{"from":ms,"stepMs":60000,"counts":[...]},
  //  "peak":{"players":n,"at":ms}|null}: the rings up to `now`, oldest first.
  std::string to_json(EpochMs now) const;
  // Reads to_json's text back (a restart); false when it is not that shape.
  bool restore(std::string_view json);

 private:
  struct Point {
    std::int64_t slot = -1;  // seconds or minutes since the epoch
    std::uint64_t value = 0;
  };
  struct Ring {
    EpochMs step_ms;
    std::vector<Point> points;
    void put(std::int64_t slot, std::uint64_t value, bool keep_max);
    std::optional<std::uint64_t> at(std::int64_t slot) const;
  };
  Ring seconds_, minutes_;
  Peak peak_;
};

}  // namespace streampulse::core
