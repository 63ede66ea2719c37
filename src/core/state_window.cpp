#include "streampulse/core/state_window.hpp"

#include <algorithm>

namespace streampulse::core {
namespace {

int index_of(PlayState s) {
  switch (s) {
    case PlayState::playing:
      return 0;
    case PlayState::paused:
      return 1;
    case PlayState::buffering:
      return 2;
    case PlayState::unknown:
      break;
  }
  return -1;
}

}  // namespace

StateWindow::StateWindow(EpochMs window_ms)
    : window_ms_(std::max<EpochMs>(window_ms, 1)),
      slot_ms_(std::max<EpochMs>(100, window_ms_ / 100)),
      slots_(static_cast<std::size_t>(window_ms_ / slot_ms_ + 3)) {}

StateWindow::Slot* StateWindow::slot_for(std::int64_t tick) {
  if (tick < 0) return nullptr;
  return &slots_[static_cast<std::size_t>(tick) % slots_.size()];
}

void StateWindow::add(EpochMs at, PlayState state) {
  const int i = index_of(state);
  const std::int64_t tick = at / slot_ms_;
  Slot* slot = slot_for(tick);
  if (i < 0 || !slot) return;
  if (slot->tick > tick) return;  // older than the ring: it would not count anyway
  if (slot->tick < tick) *slot = Slot{tick, {}};
  ++slot->n[static_cast<std::size_t>(i)];
}

void StateWindow::remove(EpochMs at, PlayState state) {
  const int i = index_of(state);
  const std::int64_t tick = at / slot_ms_;
  Slot* slot = slot_for(tick);
  if (i < 0 || !slot || slot->tick != tick) return;
  auto& n = slot->n[static_cast<std::size_t>(i)];
  if (n > 0) --n;
}

StateWindow::Counts StateWindow::counts(EpochMs now) const {
  Counts c;
  const std::int64_t first = (now - window_ms_) / slot_ms_;
  const std::int64_t last = now / slot_ms_;
  for (const auto& slot : slots_) {
    if (slot.tick < first || slot.tick > last) continue;
    c.playing += slot.n[0];
    c.paused += slot.n[1];
    c.buffering += slot.n[2];
  }
  return c;
}

}  // namespace streampulse::core
