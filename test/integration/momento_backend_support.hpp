#pragma once
// Shared by the Momento backend tests (momento_intake_test.cpp, momento_faults_test.cpp): polling,
// a counter of /metrics, and three players' heartbeats.
#include "poll_until.hpp"
#include "test_server.hpp"

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace streampulse::testing::momento_backend {

using namespace std::chrono_literals;

// Polls `condition` every 20 ms for up to `within`.
template <typename F>
inline bool eventually(F condition, std::chrono::milliseconds within = 5000ms) {
  return poll_until(std::move(condition), within);
}

inline std::uint64_t metric(unsigned short port, const std::string& name) {
  const auto body = http_get(port, "/metrics").body;
  const auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) throw std::runtime_error("no metric " + name);
  return std::stoull(body.substr(at + name.size() + 2));
}

inline const std::string kP1 =
    R"({"playerId":"p1","bitrate":500,"playTime":10,"agent":{"os":"macOS","browser":"Google Chrome","device":"Desktop"}})";
inline const std::string kP2 =
    R"({"playerId":"p2","bitrate":2000,"playTime":20,"agent":{"os":"Windows","browser":"Google Chrome","device":"Desktop"}})";
inline const std::string kP3 =
    R"({"playerId":"p3","bitrate":5000,"playTime":33,"agent":{"os":"Android","browser":"Firefox","device":"Mobile"}})";

}  // namespace streampulse::testing::momento_backend
