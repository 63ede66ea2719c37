// The persistence files' formats: the journal's record format (CRC-32, round trip, every
// truncation and damaged byte) and the snapshot's checksummed lines. Loading the files and the
// journal against real files: journal_files_test.cpp.
#include "streampulse/persist/journal.hpp"
#include "journal_samples.hpp"
#include "streampulse/persist/snapshot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

namespace journal = streampulse::persist::journal;
namespace snapshot = streampulse::persist::snapshot;
using namespace streampulse::testing::journal_samples;

TEST(JournalFormat, Crc32IsZlibs) {
  EXPECT_EQ(journal::crc32("123456789"), 0xCBF43926u);  // the CRC-32 check value
  EXPECT_EQ(journal::crc32(""), 0u);
  // Incremental = whole.
  EXPECT_EQ(journal::crc32("6789", journal::crc32("12345")), 0xCBF43926u);
}

TEST(JournalFormat, RecordsRoundTripAndCostTheirSize) {
  const auto records = sample_records(50);
  const std::string file = journal_file(7, records);
  std::size_t expected_size = journal::kHeaderSize;
  for (const auto& r : records) expected_size += journal::record_size(r.player_id, r.analytics);
  EXPECT_EQ(file.size(), expected_size);
  EXPECT_EQ(journal::record_size("player-1", kAnalytics), 8 + 9 + 8 + kAnalytics.size());
  const auto c = journal::read(file);
  EXPECT_EQ(c.generation, 7u);
  EXPECT_EQ(c.records, records);
  EXPECT_TRUE(c.problem.empty()) << c.problem;
  EXPECT_EQ(c.good_bytes, file.size());
  EXPECT_EQ(c.ignored_bytes, 0u);
}

TEST(JournalFormat, EmptyFileIsNoRecordsAndNoProblem) {
  const auto c = journal::read("");
  EXPECT_TRUE(c.records.empty());
  EXPECT_TRUE(c.problem.empty());
}

TEST(JournalFormat, EveryTruncationKeepsTheWholeRecordsBeforeIt) {
  const auto records = sample_records(5);
  const std::string file = journal_file(1, records);
  std::vector<std::size_t> ends{journal::kHeaderSize};
  for (const auto& r : records)
    ends.push_back(ends.back() + journal::record_size(r.player_id, r.analytics));
  for (std::size_t cut = 0; cut < file.size(); ++cut) {
    const auto c = journal::read(std::string_view(file).substr(0, cut));
    std::size_t whole = 0;
    while (whole + 1 < ends.size() && ends[whole + 1] <= cut) ++whole;
    if (cut < journal::kHeaderSize) {
      EXPECT_TRUE(c.records.empty()) << cut;
      EXPECT_EQ(c.problem.empty(), cut == 0) << cut;
      continue;
    }
    ASSERT_EQ(c.records.size(), whole) << cut;
    EXPECT_TRUE(std::equal(c.records.begin(), c.records.end(), records.begin()));
    EXPECT_EQ(c.problem.empty(), cut == ends[whole]) << cut;  // cut at a boundary: just shorter
    EXPECT_EQ(c.good_bytes + c.ignored_bytes, cut);
  }
}

TEST(JournalFormat, EveryDamagedByteIsDetectedAndStopsTheReplayThere) {
  const auto records = sample_records(4);
  const std::string file = journal_file(3, records);
  std::vector<std::size_t> ends{journal::kHeaderSize};
  for (const auto& r : records)
    ends.push_back(ends.back() + journal::record_size(r.player_id, r.analytics));
  for (std::size_t at = 0; at < file.size(); ++at) {
    for (const unsigned char flip : {0x01, 0x80, 0xff}) {
      std::string damaged = file;
      damaged[at] = static_cast<char>(static_cast<unsigned char>(damaged[at]) ^ flip);
      const auto c = journal::read(damaged);
      EXPECT_FALSE(c.problem.empty()) << "byte " << at;
      std::size_t before = 0;  // records wholly before the damaged byte
      while (before + 1 < ends.size() && ends[before + 1] <= at) ++before;
      if (at < journal::kHeaderSize) before = 0;
      ASSERT_EQ(c.records.size(), before) << "byte " << at;
      EXPECT_TRUE(std::equal(c.records.begin(), c.records.end(), records.begin()));
    }
  }
}

TEST(JournalFormat, AnAbsurdLengthIsRefusedWithoutReadingOn) {
  std::string file = journal_file(1, sample_records(1));
  file[journal::kHeaderSize + 3] = '\x7f';  // length ~2 GiB
  const auto c = journal::read(file);
  EXPECT_TRUE(c.records.empty());
  EXPECT_NE(c.problem.find("bad record length"), std::string::npos) << c.problem;
}

TEST(SnapshotFormat, RoundTrip) {
  const auto players = sample_players(20);
  const std::string text = snapshot::format(12, 1'700'000'000'123, players);
  const auto c = snapshot::parse(text);
  EXPECT_EQ(c.version, 2);
  EXPECT_EQ(c.journal_generation, 12u);
  EXPECT_EQ(c.players, players);
  EXPECT_EQ(c.bad_lines, 0u);
  EXPECT_TRUE(c.problem.empty()) << c.problem;
}

TEST(SnapshotFormat, ADamagedByteLosesOneLineOnly) {
  const auto players = sample_players(10);
  const std::string text = snapshot::format(3, 1, players);
  // Every byte of the fifth player's line, each flipped in turn.
  std::size_t line_start = 0;
  for (int i = 0; i < 5; ++i) line_start = text.find('\n', line_start) + 1;  // header + 4 players
  const std::size_t line_end = text.find('\n', line_start);
  for (std::size_t at = line_start; at <= line_end; ++at) {
    std::string damaged = text;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x04);
    const auto c = snapshot::parse(damaged);
    EXPECT_FALSE(c.problem.empty()) << at;
    EXPECT_EQ(c.journal_generation, 3u);
    auto expected = players;
    // A damaged newline joins two lines: both are lost.
    expected.erase(expected.begin() + 4, expected.begin() + (at == line_end ? 6 : 5));
    EXPECT_EQ(c.players, expected) << at;
  }
}

TEST(SnapshotFormat, TruncationIsDetectedAndTheWholeLinesKept) {
  const auto players = sample_players(6);
  const std::string text = snapshot::format(1, 1, players);
  for (std::size_t cut = 0; cut < text.size(); ++cut) {
    const auto c = snapshot::parse(std::string_view(text).substr(0, cut));
    EXPECT_FALSE(c.problem.empty()) << cut;
    EXPECT_LE(c.players.size(), players.size());
    EXPECT_TRUE(std::equal(c.players.begin(), c.players.end(), players.begin())) << cut;
  }
}

TEST(SnapshotFormat, ReadsVersion1) {
  const auto c = snapshot::parse(
      R"({"version":1,"savedAt":5,"players":[{"id":"a","lastSeen":4,"analytics":"{}"}]})");
  EXPECT_EQ(c.version, 1);
  EXPECT_FALSE(c.journal_generation);
  ASSERT_EQ(c.players.size(), 1u);
  EXPECT_EQ(c.players[0].id, "a");
  EXPECT_TRUE(c.problem.empty());
}

}  // namespace
