#pragma once
// The clock the core reads. Injected so tests can move time by hand.
#include <chrono>
#include <cstdint>

namespace streampulse::core {

// Milliseconds since the Unix epoch, the unit Momento uses for scores and timestamps.
using EpochMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  EpochMs now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// A clock that only moves when told to: for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(EpochMs start = 1'700'000'000'000) : now_(start) {}
  EpochMs now_ms() const override { return now_; }
  void advance(EpochMs ms) { now_ += ms; }
  void set(EpochMs ms) { now_ = ms; }

 private:
  EpochMs now_;
};

}  // namespace streampulse::core
