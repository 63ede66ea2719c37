// The persistence files of STREAMPULSE_DATA_DIR on disk: what load_state makes of a snapshot and
// journals, damaged or garbage files among them, and the journal and JournaledStore against real
// files and the embedded store. The formats themselves: journal_test.cpp.
#include "journal_samples.hpp"
#include "run_awaitable.hpp"
#include "streampulse/core/viewer_registry.hpp"
#include "streampulse/embedded/embedded_store.hpp"
#include "streampulse/persist/journal.hpp"
#include "streampulse/persist/journaled_store.hpp"
#include "streampulse/persist/snapshot.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace journal = streampulse::persist::journal;
namespace snapshot = streampulse::persist::snapshot;
using streampulse::core::ManualClock;
using streampulse::persist::Journal;
using streampulse::persist::JournaledStore;
using streampulse::persist::load_state;
using streampulse::testing::run_awaitable;
using namespace streampulse::testing::journal_samples;

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

fs::path fresh_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("streampulse-unit-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

constexpr std::int64_t kNow = 1'700'000'100'000;
constexpr std::int64_t kRetention = 3'600'000;

std::map<std::string, snapshot::Player> by_id(const std::vector<snapshot::Player>& players) {
  std::map<std::string, snapshot::Player> out;
  for (const auto& p : players) out[p.id] = p;
  return out;
}

TEST(LoadState, SnapshotThenJournalsTheLatestHeartbeatWins) {
  const auto dir = fresh_dir("load");
  const double t = kNow - 10'000;
  // Snapshot: a, b, and an old player past the retention. It names generation 5.
  std::vector<snapshot::Player> snap{
      {"a", t, analytics(1)}, {"b", t, analytics(2)}, {"old", kNow - kRetention - 1, analytics(3)}};
  spit(dir / "players.json", snapshot::format(5, kNow, snap));
  // Generation 4: older than the snapshot, covered by it (a crash came before its deletion).
  spit(Journal::file(dir, 4), journal_file(4, {{"gone", kNow - 1, analytics(4)}}));
  // Generation 5: a newer, c new; b's record older than the snapshot's (its tail was lost).
  spit(Journal::file(dir, 5), journal_file(5, {{"a", kNow - 5'000, analytics(11)},
                                               {"b", kNow - 20'000, analytics(99)},
                                               {"c", kNow - 4'000, analytics(13)}}));
  // Generation 6: a again.
  spit(Journal::file(dir, 6), journal_file(6, {{"a", kNow - 1'000, analytics(21)}}));

  const auto st = load_state(dir, kNow, kRetention);
  const auto players = by_id(st.players);
  ASSERT_EQ(players.size(), 3u);
  EXPECT_EQ(players.at("a").analytics, analytics(21));
  EXPECT_EQ(players.at("a").last_seen, kNow - 1'000);
  EXPECT_EQ(players.at("b").analytics, analytics(2));
  EXPECT_EQ(players.at("c").analytics, analytics(13));
  EXPECT_EQ(st.snapshot_players, 3u);
  EXPECT_EQ(st.journal_records, 4u);
  EXPECT_EQ(st.journal_files, 2u);
  EXPECT_EQ(st.expired, 1u);
  EXPECT_EQ(st.damaged_files, 0u);
  EXPECT_EQ(st.next_generation, 7u);
  EXPECT_TRUE(st.rewrite);
  EXPECT_FALSE(fs::exists(Journal::file(dir, 4)));
  fs::remove_all(dir);
}

TEST(LoadState, DamagedFilesAreReportedCopiedAsideAndWhatIsIntactIsUsed) {
  const auto dir = fresh_dir("damaged");
  const double t = kNow - 10'000;
  std::string snap = snapshot::format(2, kNow, sample_players(4, t));
  snap[snap.find("\"p2\"") + 1] = 'q';  // p2's line no longer matches its checksum
  spit(dir / "players.json", snap);
  std::string j = journal_file(2, sample_records(3, kNow - 5'000));
  spit(Journal::file(dir, 2), j.substr(0, j.size() - 7));  // its last record cut short
  std::string j3 = journal_file(3, sample_records(3, kNow - 4'000));
  j3[journal::kHeaderSize + 20] ^= 0x10;  // the first record of generation 3 damaged
  spit(Journal::file(dir, 3), j3);

  const auto st = load_state(dir, kNow, kRetention);
  const auto players = by_id(st.players);
  EXPECT_EQ(players.size(), 5u);  // p0, p1, p3, player-0, player-1
  EXPECT_TRUE(players.contains("p3"));
  EXPECT_FALSE(players.contains("p2"));
  EXPECT_FALSE(players.contains("player-2"));
  EXPECT_EQ(st.damaged_files, 3u);
  EXPECT_EQ(st.journal_records, 2u);
  EXPECT_TRUE(st.rewrite);
  std::size_t copies = 0;
  for (const auto& e : fs::directory_iterator(dir))
    copies += e.path().filename().string().find(".corrupt-") != std::string::npos;
  EXPECT_EQ(copies, 3u);
  EXPECT_TRUE(fs::exists(dir / "players.json"));  // stays until a fresh snapshot replaces it
  fs::remove_all(dir);
}

TEST(LoadState, GarbageEverywhereNeverThrows) {
  const auto dir = fresh_dir("garbage");
  spit(dir / "players.json", std::string("\0\xff garbage\n{", 13));
  spit(Journal::file(dir, 1), "SPJRNL01 but then nothing sensible at all");
  spit(Journal::file(dir, 2), std::string(3, '\0'));
  fs::create_directory(Journal::file(dir, 9));  // not even a file
  const auto st = load_state(dir, kNow, kRetention);
  EXPECT_TRUE(st.players.empty());
  EXPECT_GE(st.damaged_files, 3u);
  EXPECT_EQ(st.next_generation, 10u);
  fs::remove_all(dir);
}

// The journal and the journaled store, with real files, the embedded store and the registry.
class JournalFiles : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fresh_dir("files"); }
  void TearDown() override {
    pool_.join();
    fs::remove_all(dir_);
  }
  asio::io_context io_;
  asio::thread_pool pool_{1};
  fs::path dir_;
};

TEST_F(JournalFiles, FlushRotateAndRemove) {
  Journal j(dir_, pool_.get_executor());
  j.start_generation(4);
  std::string records;
  for (const auto& r : sample_records(3))
    journal::append_record(records, r.player_id, r.seen_ms, r.analytics);
  j.append(records, 3);
  EXPECT_EQ(j.bytes_since_rotation(), records.size());
  run_awaitable(io_, [&]() -> asio::awaitable<bool> {
    co_await j.flush();
    co_return true;
  }());
  EXPECT_EQ(journal::read(slurp(Journal::file(dir_, 4))).records, sample_records(3));
  j.append(records, 3);  // buffered, then written by the rotation into generation 4
  const auto next = run_awaitable(io_, j.rotate());
  EXPECT_EQ(next, 5u);
  EXPECT_EQ(j.bytes_since_rotation(), 0u);
  EXPECT_EQ(journal::read(slurp(Journal::file(dir_, 4))).records.size(), 6u);
  j.append(records, 3);
  run_awaitable(io_, [&]() -> asio::awaitable<bool> {
    co_await j.flush();
    co_await j.remove_below(5);
    co_return true;
  }());
  EXPECT_EQ(Journal::generations(dir_), std::vector<std::uint64_t>{5});
  EXPECT_EQ(j.counters().records_written, 9u);
  EXPECT_EQ(j.counters().records_dropped, 0u);
}

TEST_F(JournalFiles, AFullBufferDropsCountsAndAsksForASnapshot) {
  streampulse::persist::JournalSettings settings;
  settings.max_buffer_bytes = 1000;
  Journal j(dir_, pool_.get_executor(), settings);
  std::string record;
  journal::append_record(record, "p", 1, kAnalytics);
  int appended = 0;
  while ((appended + 1) * record.size() <= 1000) {
    j.append(record, 1);
    ++appended;
  }
  EXPECT_FALSE(j.incomplete());
  j.append(record, 1);
  EXPECT_TRUE(j.incomplete());
  EXPECT_EQ(j.counters().records_dropped, 1u);
  run_awaitable(io_, j.rotate());
  EXPECT_FALSE(j.incomplete());  // the coming snapshot holds what was dropped
}

TEST_F(JournalFiles, JournaledStoreJournalsWhatTheRegistryStoredAndRestoreGivesItBack) {
  ManualClock clock(kNow);
  streampulse::core::RegistrySettings rs;
  auto dashboard_of = [&](streampulse::core::ViewerRegistry& registry) {
    auto d = run_awaitable(io_, registry.dashboard());
    return std::make_tuple(d->total, d->play_time_total, d->bitrate_min, d->bitrate_max,
                           d->bitrate_average, d->browsers);
  };
  decltype(dashboard_of(std::declval<streampulse::core::ViewerRegistry&>())) before;
  {
    Journal j(dir_, pool_.get_executor());
    j.start_generation(1);
    JournaledStore store(
        std::make_unique<streampulse::embedded::EmbeddedStore>(io_.get_executor(), clock),
        rs.analytics_dictionary, clock);
    store.attach(&j);
    streampulse::core::ViewerRegistry registry(store, clock, rs);
    for (int i = 0; i < 30; ++i) {
      streampulse::core::Heartbeat hb;
      hb.player_id = "viewer-" + std::to_string(i % 10);
      hb.bitrate = 100 * (i + 1);
      hb.play_time = i;
      ASSERT_TRUE(run_awaitable(io_, registry.record(hb)));
      clock.advance(10);
    }
    EXPECT_EQ(j.counters().records_appended, 30u);
    run_awaitable(io_, [&]() -> asio::awaitable<bool> {
      co_await j.flush();
      co_return true;
    }());
    // The journal holds exactly the dictionary's values.
    const auto stored = run_awaitable(io_, store.dictionary_fetch(rs.analytics_dictionary));
    const auto st = load_state(dir_, clock.now_ms(), rs.retention_ms);
    ASSERT_EQ(st.players.size(), stored->size());
    for (const auto& e : *stored) EXPECT_EQ(by_id(st.players).at(e.field).analytics, e.value);
    before = dashboard_of(registry);
  }
  // A new process: restore into an empty store and registry.
  Journal j(dir_, pool_.get_executor());
  streampulse::embedded::EmbeddedStore store(io_.get_executor(), clock);
  streampulse::core::ViewerRegistry registry(store, clock, rs);
  const auto report = run_awaitable(
      io_, streampulse::persist::restore_state(store, registry, clock, j, pool_.get_executor()));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->players, 10u);
  EXPECT_EQ(report->journal_records, 30u);
  EXPECT_EQ(dashboard_of(registry), before);
  // The replayed journal is now in a fresh snapshot, and the journal moved on.
  EXPECT_TRUE(Journal::generations(dir_).empty());
  EXPECT_EQ(j.generation(), 3u);
  EXPECT_EQ(snapshot::parse(slurp(dir_ / "players.json")).players.size(), 10u);
}

}  // namespace
