#pragma once
// Shared by the quality tests (quality_heartbeat_test.cpp, quality_history_test.cpp): a heartbeat
// parsed (a failure fails the test), the field a heartbeat is refused for, and the quality
// figures of an audience. A named namespace: inline functions, one definition in every file.
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/dashboard.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace quality_test {

using namespace streampulse::core;

inline Heartbeat parse(std::string_view json) {
  auto hb = parse_heartbeat(json);
  EXPECT_TRUE(hb) << json << ": " << (hb ? "" : hb.error().message);
  return hb ? *hb : Heartbeat{};
}

inline std::string field_of(std::string_view json) {
  auto hb = parse_heartbeat(json);
  return hb ? "(valid)" : hb.error().field;
}

inline QualityMetrics quality(AudienceIndex& index, EpochMs now = 0) {
  return make_quality(index.totals(now).quality);
}

}  // namespace quality_test
