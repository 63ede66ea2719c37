#pragma once
// Shared by the hostile-client tests (hostile_slow_clients_test.cpp, hostile_limits_test.cpp):
// milliseconds since a moment, and the JSON error code of a raw HTTP response.
#include <boost/json.hpp>

#include <chrono>
#include <string>

namespace streampulse::testing::hostile {

using Clock = std::chrono::steady_clock;

inline std::chrono::milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

// The JSON error code of an HTTP response given as raw bytes ("" when there is none).
inline std::string error_code_in(const std::string& raw) {
  const auto body_at = raw.find("\r\n\r\n");
  if (body_at == std::string::npos) return "";
  boost::system::error_code ec;
  const auto v = boost::json::parse(raw.substr(body_at + 4), ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.at("error").as_string());
}

}  // namespace streampulse::testing::hostile
