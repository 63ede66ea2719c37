#pragma once
// Sample journal records, journal files and snapshot players of the persistence tests
// (journal_test.cpp, journal_files_test.cpp).
#include "streampulse/persist/journal.hpp"
#include "streampulse/persist/snapshot.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace streampulse::testing::journal_samples {

namespace journal = streampulse::persist::journal;
namespace snapshot = streampulse::persist::snapshot;

inline const std::string kAnalytics =
    R"({"bitrate":800,"playTime":9,"agent":{"os":"Linux","browser":"Firefox","device":"Desktop"}})";

inline std::string analytics(int bitrate) {
  return R"({"bitrate":)" + std::to_string(bitrate) +
         R"(,"playTime":9,"agent":{"os":"Linux","browser":"Firefox","device":"Desktop"}})";
}

inline std::vector<journal::Record> sample_records(int n, std::int64_t t0 = 1'700'000'000'000) {
  std::vector<journal::Record> out;
  for (int i = 0; i < n; ++i)
    out.push_back({"player-" + std::to_string(i), t0 + i, analytics(100 + i)});
  return out;
}

inline std::string journal_file(std::uint64_t generation,
                                const std::vector<journal::Record>& records) {
  std::string body;
  for (const auto& r : records) journal::append_record(body, r.player_id, r.seen_ms, r.analytics);
  journal::seal(body);
  return journal::file_header(generation) + body;
}

inline std::vector<snapshot::Player> sample_players(int n, double t0 = 1'700'000'000'000) {
  std::vector<snapshot::Player> out;
  for (int i = 0; i < n; ++i) out.push_back({"p" + std::to_string(i), t0 + i, analytics(200 + i)});
  return out;
}

}  // namespace streampulse::testing::journal_samples
