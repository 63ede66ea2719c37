#pragma once
// poll_until(), under the tests' eventually(): a condition asked every 20 ms until it holds.
#include <chrono>
#include <thread>

namespace streampulse::testing {

// Whether `condition()` held within `within`, asked every 20 ms and once more at the end.
template <typename F>
bool poll_until(F condition, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace streampulse::testing
