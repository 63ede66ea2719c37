// STREAMPULSE_DATA_DIR: players survive a graceful restart (nothing lost) and a kill -9 (at most
// the last second lost: the journal is flushed every 200 ms); damaged files are reported and the
// service starts with what is intact. The crash tests run the real binary.
#include "test_server.hpp"

#include "streampulse/core/clock.hpp"
#include "streampulse/persist/journal.hpp"
#include "streampulse/persist/snapshot.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("streampulse-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

std::string heartbeat(const std::string& id, int bitrate) {
  return R"({"playerId":")" + id + R"(","bitrate":)" + std::to_string(bitrate) +
         R"(,"playTime":9,"agent":{"os":"Linux","browser":"Firefox","device":"Desktop"}})";
}

void beat(unsigned short port, const std::string& id, int bitrate) {
  ASSERT_EQ(send_webhook(port, heartbeat(id, bitrate)).status, 204u);
}

json::value players_and_bitrates(unsigned short port) {
  auto d = json::parse(http_get(port, "/api/dashboard").body);
  return {{"total", d.at("players").at("total")},
          {"bitrates", d.at("bitrates")},
          {"browsers", d.at("agents").at("browsers")}};
}

std::uint64_t total_players(unsigned short port) {
  return json::parse(http_get(port, "/api/dashboard").body)
      .at("players")
      .at("total")
      .to_number<std::uint64_t>();
}

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

// The player ids a (whole) snapshot holds.
std::set<std::string> snapshot_ids(const fs::path& dir) {
  const auto c = persist::snapshot::parse(slurp(dir / "players.json"));
  EXPECT_TRUE(c.problem.empty()) << c.problem;
  std::set<std::string> ids;
  for (const auto& p : c.players) ids.insert(p.id);
  return ids;
}

// A loopback port nobody listens on, below the ephemeral range (32768-60999 on Linux), so that
// the test's own client connections never hold it.
unsigned short free_port() {
  for (int i = 0; i < 1000; ++i) {
    const auto port = static_cast<unsigned short>(20000 + (getpid() + i * 7919) % 12000);
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io);
    boost::system::error_code ec;
    probe.open(boost::asio::ip::tcp::v4(), ec);
    probe.bind({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) return port;
  }
  throw std::runtime_error("no free port");
}

// The real binary on a loopback port, its log in dir/../<name>.log.
class Binary {
 public:
  Binary(fs::path dir, fs::path log) : dir_(std::move(dir)), log_(std::move(log)) {}
  ~Binary() {
    if (pid_ > 0) kill9();
  }
  unsigned short port() const { return port_; }

  void start() {
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execl(STREAMPULSE_BINARY, STREAMPULSE_BINARY, "serve", "--listen", listen.c_str(),
            "--webhook-secret", "test-secret", "--data-dir", dir_.c_str(), "--log-level", "info",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      try {
        if (http_get(port_, "/healthz").status == 200) return;
      } catch (...) {
      }
    }
    ADD_FAILURE() << "the service did not come up; log:\n" << slurp(log_);
  }
  void kill9() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  int stop() {  // SIGTERM; the exit code
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  fs::path dir_;
  fs::path log_;
  pid_t pid_ = -1;
  unsigned short port_ = free_port();
};

// Heartbeats of new players from `threads` senders until stop(); remembers when each was
// acknowledged (204).
class Stream {
 public:
  // About 1,000 heartbeats/s with the defaults: a steady stream, not a load test.
  Stream(unsigned short port, std::string prefix, int threads = 2,
         std::chrono::microseconds pause = std::chrono::microseconds(1500)) {
    for (int t = 0; t < threads; ++t) {
      senders_.emplace_back([this, port, prefix, t, pause] {
        for (int n = 0; !stop_; ++n) {
          std::this_thread::sleep_for(pause);
          const std::string id = prefix + "-" + std::to_string(t) + "-" + std::to_string(n);
          try {
            if (send_webhook(port, heartbeat(id, 100 + n % 5000)).status != 204) continue;
          } catch (...) {
            continue;  // the service is gone
          }
          const auto at = Clock::now();
          std::lock_guard lock(mutex_);
          acked_.emplace_back(id, at);
        }
      });
    }
  }
  ~Stream() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& s : senders_)
      if (s.joinable()) s.join();
  }
  // Players acknowledged at or before `t`.
  std::set<std::string> acked_by(Clock::time_point t) {
    std::lock_guard lock(mutex_);
    std::set<std::string> out;
    for (const auto& [id, at] : acked_)
      if (at <= t) out.insert(id);
    return out;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::pair<std::string, Clock::time_point>> acked_;
  std::vector<std::thread> senders_;
};

}  // namespace

TEST(Persistence, GracefulRestartKeepsThePlayers) {
  auto config = test_config();
  config.data_dir = temp_dir("graceful").string();
  json::value before;
  {
    TestServer first(config);
    beat(first.port(), "keep1", 800);
    beat(first.port(), "keep2", 2800);
    before = players_and_bitrates(first.port());
  }  // stops gracefully: the last snapshot is written then
  {
    TestServer second(config);
    EXPECT_EQ(players_and_bitrates(second.port()), before);
    EXPECT_EQ(before.at("total").to_number<int>(), 2);
  }
  fs::remove_all(config.data_dir);
}

// SIGTERM right after a burst of heartbeats: every acknowledged one is kept.
TEST(Persistence, GracefulStopLosesNothing) {
  const auto dir = temp_dir("graceful-binary");
  const auto log = fs::path(dir.string() + ".log");
  Binary service(dir, log);
  service.start();
  std::set<std::string> acked;
  {
    Stream stream(service.port(), "g");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    stream.stop();
    acked = stream.acked_by(Clock::now());
  }
  const auto before = players_and_bitrates(service.port());
  EXPECT_EQ(service.stop(), 0);
  EXPECT_EQ(snapshot_ids(dir), acked);  // the stop wrote the last snapshot
  service.start();
  EXPECT_EQ(players_and_bitrates(service.port()), before);
  EXPECT_EQ(total_players(service.port()), acked.size());
  EXPECT_EQ(service.stop(), 0);
  EXPECT_EQ(slurp(log).find("is damaged"), std::string::npos) << slurp(log);
  fs::remove_all(dir);
  fs::remove(log);
}

// A steady stream, kill -9 in the middle of it, twice (the second time with a snapshot and the
// journal's next generations on disk): every heartbeat acknowledged a second or more before the
// kill is on the dashboard after the restart.
TEST(Persistence, KillNineLosesAtMostTheLastSecond) {
  const auto dir = temp_dir("kill9");
  const auto log = fs::path(dir.string() + ".log");
  Binary service(dir, log);
  service.start();
  std::set<std::string> must_keep;
  std::size_t acked_total = 0;
  for (int round = 0; round < 2; ++round) {
    Stream stream(service.port(), "r" + std::to_string(round));
    std::this_thread::sleep_for(std::chrono::milliseconds(3000));
    const auto killed_at = Clock::now();
    service.kill9();
    stream.stop();
    const auto kept = stream.acked_by(killed_at - std::chrono::seconds(1));
    must_keep.insert(kept.begin(), kept.end());
    acked_total += stream.acked_by(killed_at).size();
    ASSERT_GT(kept.size(), 100u) << "too few heartbeats to say anything";

    service.start();
    const auto total = total_players(service.port());
    EXPECT_GE(total, must_keep.size()) << "round " << round;
    EXPECT_LE(total, acked_total + 8) << "round " << round;  // + those sent, not yet answered
    std::cout << "round " << round << ": " << must_keep.size()
              << " acknowledged >= 1 s before the kill, " << acked_total << " acknowledged in all, "
              << total << " on the dashboard after the restart\n";
  }
  EXPECT_EQ(service.stop(), 0);
  const auto saved = snapshot_ids(dir);
  std::size_t missing = 0;
  for (const auto& id : must_keep) missing += saved.contains(id) ? 0 : 1;
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(slurp(log).find("is damaged"), std::string::npos) << slurp(log);
  fs::remove_all(dir);
  fs::remove(log);
}

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
