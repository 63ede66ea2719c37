#pragma once
// How many players said they were playing, paused or buffering in their last heartbeat, among
// those whose last heartbeat is within the active window. Players are counted in time slots
// (a ring covering the window), so the counts "now" cost O(slots), not O(players), and a
// player that leaves stops counting when its slot falls out of the window.
#include "streampulse/core/clock.hpp"
#include "streampulse/core/heartbeat.hpp"

#include <array>
#include <vector>

namespace streampulse::core {

class StateWindow {
 public:
  explicit StateWindow(EpochMs window_ms);

  struct Counts {
    std::uint64_t playing = 0, paused = 0, buffering = 0;
    std::uint64_t reporting() const { return playing + paused + buffering; }
  };

  void add(EpochMs at, PlayState state);
  // Takes back an add(at, state); nothing when that slot has left the ring already.
  void remove(EpochMs at, PlayState state);
  Counts counts(EpochMs now) const;

 private:
  struct Slot {
    std::int64_t tick = -1;
    std::array<std::uint32_t, 3> n{};
  };
  Slot* slot_for(std::int64_t tick);
  EpochMs window_ms_;
  EpochMs slot_ms_;
  std::vector<Slot> slots_;
};

}  // namespace streampulse::core
