// The Journal (journal.hpp): the buffer appended to on the audience's loops, the writes to
// players.journal.<generation> on the I/O pool, rotation and the flusher. The file format is
// journal_format.cpp.
#include "streampulse/persist/journal.hpp"

#include "streampulse/persist/blocking.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>

namespace streampulse::persist {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// The file side. Its mutex makes the order of calls irrelevant to correctness (the pool has one
// thread today, so it is never contended).
struct Journal::Files {
  struct Outcome {
    std::size_t bytes = 0;
    std::size_t records_written = 0;
    std::size_t records_lost = 0;
    std::string error;
  };

  explicit Files(fs::path d, bool s) : dir(std::move(d)), sync(s) {}
  ~Files() { close_file(); }

  void close_file() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  Outcome write(std::uint64_t generation, std::string& batch, std::size_t records) {
    std::lock_guard lock(mutex);
    Outcome out;
    // Below the oldest kept generation: a snapshot taken after these were appended holds them.
    if (generation < oldest_kept) return out;
    if (generation == broken) {
      out.records_lost = records;
      return out;
    }
    journal::seal(batch);
    if (fd < 0 || open_generation != generation) {
      close_file();
      const fs::path path = Journal::file(dir, generation);
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0) return fail(generation, records, "open " + path.string());
      open_generation = generation;
      struct stat st {};
      if (::fstat(fd, &st) == 0 && st.st_size == 0) {
        const std::string header = journal::file_header(generation);
        if (!write_all(header)) return fail(generation, records, "write " + path.string());
      }
    }
    if (!write_all(batch)) return fail(generation, records, "write");
    if (sync && ::fdatasync(fd) != 0) return fail(generation, 0, "fdatasync");
    out.bytes = batch.size();
    out.records_written = records;
    return out;
  }

  void remove_below(std::uint64_t generation) {
    std::lock_guard lock(mutex);
    oldest_kept = std::max(oldest_kept, generation);
    if (fd >= 0 && open_generation < generation) close_file();
    for (const auto g : Journal::generations(dir)) {
      if (g >= generation) break;
      std::error_code ec;
      fs::remove(Journal::file(dir, g), ec);
      if (ec)
        spdlog::warn("journal: cannot delete {}: {}", Journal::file(dir, g).string(), ec.message());
    }
  }

  bool write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // A failed write may have left part of a record: nothing more goes to that generation (its
  // readers would stop at the torn record anyway); the next snapshot starts a new one.
  Outcome fail(std::uint64_t generation, std::size_t records, const std::string& what) {
    Outcome out;
    out.error = what + ": " + std::strerror(errno);
    out.records_lost = records;
    broken = generation;
    close_file();
    return out;
  }

  std::mutex mutex;
  fs::path dir;
  bool sync;
  int fd = -1;
  std::uint64_t open_generation = 0;
  std::uint64_t oldest_kept = 0;
  std::uint64_t broken = 0;
};

Journal::Journal(fs::path dir, asio::any_io_executor io_executor, JournalSettings settings)
    : dir_(std::move(dir)),
      io_executor_(std::move(io_executor)),
      settings_(settings),
      files_(std::make_shared<Files>(dir_, settings.sync)) {}

Journal::~Journal() = default;

fs::path Journal::file(const fs::path& dir, std::uint64_t generation) {
  return dir / ("players.journal." + std::to_string(generation));
}

std::vector<std::uint64_t> Journal::generations(const fs::path& dir) {
  constexpr std::string_view prefix = "players.journal.";
  std::vector<std::uint64_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix) || name.size() == prefix.size()) continue;
    const std::string_view digits = std::string_view(name).substr(prefix.size());
    std::uint64_t g = 0;
    const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), g);
    if (err == std::errc{} && end == digits.data() + digits.size()) out.push_back(g);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Journal::append(std::string_view records, std::size_t count) {
  std::lock_guard lock(pending_mutex_);
  counters_.records_appended += count;
  if (pending_.size() + records.size() > settings_.max_buffer_bytes) {
    counters_.records_dropped += count;
    incomplete_ = true;
    return;
  }
  pending_.append(records);
  pending_records_ += count;
  bytes_since_rotation_ += records.size();
}

asio::awaitable<void> Journal::write(std::uint64_t generation, std::string batch,
                                     std::size_t records) {
  Files::Outcome outcome;
  auto files = files_;
  const std::string failure = co_await run_blocking(
      io_executor_, [&] { outcome = files->write(generation, batch, records); });
  if (!failure.empty()) {
    outcome.error = failure;
    outcome.records_lost = records - outcome.records_written;
  }
  std::unique_lock lock(pending_mutex_);
  counters_.bytes_written += outcome.bytes;
  counters_.records_written += outcome.records_written;
  if (outcome.records_lost > 0) {
    counters_.records_lost += outcome.records_lost;
    if (generation == generation_) incomplete_ = true;
  }
  lock.unlock();
  if (!outcome.error.empty()) {
    ++counters_.write_errors;
    spdlog::error("journal {}: {} ({} records not written; the next snapshot covers them)",
                  file(dir_, generation).string(), outcome.error, outcome.records_lost);
  }
  const std::uint64_t dropped = counters().records_dropped;
  if (dropped != dropped_reported_ &&
      std::chrono::steady_clock::now() - dropped_reported_at_ >= std::chrono::seconds(5)) {
    spdlog::warn(
        "journal: buffer full ({} bytes): {} records dropped in all, {} since the last "
        "report; the next snapshot covers them",
        settings_.max_buffer_bytes, dropped, dropped - dropped_reported_);
    dropped_reported_ = dropped;
    dropped_reported_at_ = std::chrono::steady_clock::now();
  }
}

asio::awaitable<void> Journal::flush() {
  std::string batch;
  std::size_t records = 0;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(pending_mutex_);
    if (pending_.empty()) co_return;
    batch.reserve(pending_.capacity());
    batch.swap(pending_);
    records = std::exchange(pending_records_, 0);
    generation = generation_;
  }
  co_await write(generation, std::move(batch), records);
}

asio::awaitable<std::uint64_t> Journal::rotate() {
  std::string batch;
  std::size_t records = 0;
  std::uint64_t old_generation = 0, new_generation = 0;
  {
    std::lock_guard lock(pending_mutex_);
    batch.swap(pending_);
    records = std::exchange(pending_records_, 0);
    old_generation = generation_++;
    new_generation = generation_;
    bytes_since_rotation_ = 0;
    incomplete_ = false;  // what the old generation missed, the coming snapshot holds
  }
  if (!batch.empty()) co_await write(old_generation, std::move(batch), records);
  co_return new_generation;
}

asio::awaitable<void> Journal::remove_below(std::uint64_t generation) {
  auto files = files_;
  const std::string failure =
      co_await run_blocking(io_executor_, [&] { files->remove_below(generation); });
  if (!failure.empty()) spdlog::warn("journal: deleting old generations: {}", failure);
}

asio::awaitable<void> Journal::run_flusher() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(settings_.flush_interval);
    co_await timer.async_wait(asio::use_awaitable);  // throws when the service stops
    co_await flush();
  }
}

}  // namespace streampulse::persist
