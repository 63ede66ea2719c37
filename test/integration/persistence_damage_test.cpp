// STREAMPULSE_DATA_DIR: damaged files are reported and the service starts with what is intact
// (the real binary; graceful restarts and kill -9: persistence_test.cpp).
#include "persistence_support.hpp"
#include "test_server.hpp"

#include "streampulse/core/clock.hpp"
#include "streampulse/persist/journal.hpp"
#include "streampulse/persist/snapshot.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace streampulse;
using namespace streampulse::testing;
using namespace streampulse::testing::persistence;
namespace fs = std::filesystem;

namespace {

std::string analytics(int bitrate) {
  return R"({"bitrate":)" + std::to_string(bitrate) +
         R"(,"playTime":9,"agent":{"os":"Linux","browser":"Firefox","device":"Desktop"}})";
}

std::string journal_bytes(std::uint64_t generation, const std::string& prefix, int n,
                          core::EpochMs seen) {
  std::string records;
  for (int i = 0; i < n; ++i)
    persist::journal::append_record(records, prefix + std::to_string(i), seen, analytics(100 + i));
  persist::journal::seal(records);
  return persist::journal::file_header(generation) + records;
}

std::size_t count_containing(const fs::path& dir, std::string_view part) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    n += e.path().filename().string().find(part) != std::string::npos;
  return n;
}

}  // namespace

// A damaged byte in the snapshot and in a journal record, and a journal cut in the middle of a
// record: each reported in the log, the service serves with every intact player, and the next
// start is clean.
TEST(Persistence, DamagedFilesAreReportedAndTheServiceServesWhatIsIntact) {
  const auto dir = temp_dir("damaged");
  const auto log = fs::path(dir.string() + ".log");
  fs::create_directories(dir);
  const core::EpochMs now = core::SystemClock().now_ms() - 5'000;
  // Snapshot s0..s9 naming generation 4; s3's line damaged.
  std::vector<persist::snapshot::Player> players;
  for (int i = 0; i < 10; ++i)
    players.push_back({"s" + std::to_string(i), static_cast<double>(now), analytics(500 + i)});
  std::string snap = persist::snapshot::format(4, now, players);
  snap[snap.find(R"("s3")") + 2] = '4';
  spit(dir / "players.json", snap);
  // Generation 4: j0..j9, a byte of j5's record damaged: j0..j4 applied.
  std::string j4 = journal_bytes(4, "j", 10, now);
  j4[j4.find("j5") + 1] ^= 0x20;
  spit(persist::Journal::file(dir, 4), j4);
  // Generation 5: t0..t4, cut in the middle of t4's record: t0..t3 applied.
  const std::string j5 = journal_bytes(5, "t", 5, now);
  spit(persist::Journal::file(dir, 5), j5.substr(0, j5.size() - 30));

  Binary service(dir, log);
  service.start();
  EXPECT_EQ(http_get(service.port(), "/healthz").status, 200u);
  EXPECT_EQ(total_players(service.port()), 9u + 5u + 4u);
  beat(service.port(), "after", 700);  // and it keeps working
  EXPECT_EQ(total_players(service.port()), 19u);
  EXPECT_EQ(service.stop(), 0);
  const std::string text = slurp(log);
  EXPECT_NE(text.find("players.json is damaged"), std::string::npos) << text;
  EXPECT_NE(text.find("players.journal.4 is damaged: checksum mismatch"), std::string::npos)
      << text;
  EXPECT_NE(text.find("players.journal.5 is damaged: truncated record"), std::string::npos) << text;
  EXPECT_EQ(count_containing(dir, ".corrupt-"), 3u);

  // The start wrote a fresh snapshot: the next start reads it without complaint.
  fs::remove(log);
  service.start();
  EXPECT_EQ(total_players(service.port()), 19u);
  EXPECT_EQ(service.stop(), 0);
  EXPECT_EQ(slurp(log).find("is damaged"), std::string::npos) << slurp(log);
  fs::remove_all(dir);
  fs::remove(log);
}

// The journal a real kill -9 left, cut in the middle of its last record.
TEST(Persistence, TruncatedTailOfARealJournal) {
  const auto dir = temp_dir("truncated");
  const auto log = fs::path(dir.string() + ".log");
  Binary service(dir, log);
  service.start();
  for (int i = 0; i < 20; ++i) beat(service.port(), "cut" + std::to_string(i), 1000 + i);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // flushed
  service.kill9();
  const auto generations = persist::Journal::generations(dir);
  ASSERT_FALSE(generations.empty());
  const auto file = persist::Journal::file(dir, generations.back());
  const std::string bytes = slurp(file);
  const auto whole = persist::journal::read(bytes);
  ASSERT_TRUE(whole.problem.empty()) << whole.problem;
  ASSERT_EQ(whole.records.size(), 20u);
  std::cout << "journal: " << (bytes.size() - persist::journal::kHeaderSize) / 20
            << " bytes per heartbeat (player id 'cutN', bitrate, play time, agent)\n";
  spit(file, std::string_view(bytes).substr(0, bytes.size() - 10));

  service.start();
  EXPECT_EQ(total_players(service.port()), 19u);
  EXPECT_EQ(service.stop(), 0);  // (the log is written by its own thread: read it after)
  EXPECT_NE(slurp(log).find("is damaged: truncated record"), std::string::npos) << slurp(log);
  fs::remove_all(dir);
  fs::remove(log);
}
