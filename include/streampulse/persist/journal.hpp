#pragma once
// The heartbeat journal of the embedded backend (STREAMPULSE_DATA_DIR). Every `analytics` entry
// the registry writes (JournaledStore: player id, time, the stored JSON) is appended to a buffer
// on the service's thread (a memcpy, no I/O); every 200 ms the buffer is written to
// `players.journal.<generation>` on the blocking-I/O pool. A plain
// write() lands in the kernel's page cache, which outlives the process: a kill -9 loses at most
// the last flush interval. A power cut or kernel crash can lose what the kernel had not written
// back yet (seconds), unless `sync` is on (fdatasync after each write).
//
// With the snapshot (snapshot.hpp): a snapshot first starts a new generation (rotate), then
// reads the store, writes players.json, and only then deletes the generations below the new
// one. At start, the snapshot is read, then every generation from the one it names, in order.
#include "streampulse/core/clock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::persist {

// The file format, as pure functions (unit-tested on their own).
//   file:    "SPJRNL01", the generation (u64), the CRC-32 of those 16 bytes (u32), then records
//   record:  u32 payload length, u32 CRC-32 of those 4 length bytes and the payload, then the
//            payload: i64 time seen (ms since the epoch), u8 id length, the player id, the
//            analytics JSON (the `analytics` dictionary value) up to the end of the payload.
// Integers are little-endian. CRC-32 is zlib's (IEEE 802.3, reflected 0xEDB88320).
namespace journal {

inline constexpr std::string_view kMagic = "SPJRNL01";
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kRecordHeaderSize = 8;
inline constexpr std::size_t kMinPayload = 9;            // time and id length
inline constexpr std::uint32_t kMaxPayload = 64 * 1024;  // a heartbeat is < 1 KiB

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

std::string file_header(std::uint64_t generation);

// Bytes append_record adds for this record.
std::size_t record_size(std::string_view player_id, std::string_view analytics);

// Appends one record with its checksum left blank: seal() fills it in later, on the I/O pool,
// so the service's thread only copies bytes. The id must be at most 255 bytes.
void append_record(std::string& out, std::string_view player_id, core::EpochMs seen_ms,
                   std::string_view analytics);

// Computes the checksums of records made by append_record (a buffer of whole records).
void seal(std::string& records);

struct Record {
  std::string player_id;
  core::EpochMs seen_ms = 0;
  std::string analytics;
  friend bool operator==(const Record&, const Record&) = default;
};

struct Contents {
  std::uint64_t generation = 0;   // from the header
  std::vector<Record> records;    // the whole, valid records before the first bad one
  std::size_t good_bytes = 0;     // header and those records
  std::size_t ignored_bytes = 0;  // from the first bad record to the end of the file
  std::string problem;            // empty: the file ended after a whole record
};

// Reads a journal file. Stops at the first record that is truncated, too long or whose
// checksum does not match; a bad header makes the whole file ignored. Never throws.
Contents read(std::string_view file_bytes);

}  // namespace journal

struct JournalSettings {
  std::chrono::milliseconds flush_interval{200};
  // Bound of the buffer between two flushes (about 55,000 heartbeats). When the disk is too slow
  // to keep up, further records are dropped and counted; the next snapshot covers them.
  std::size_t max_buffer_bytes = 8u << 20;
  // fdatasync after each write: also survives a power cut, at the cost of a disk flush per
  // interval. Off: the page cache is enough for a process crash or kill -9.
  bool sync = false;
};

class Journal {
 public:
  Journal(std::filesystem::path dir, boost::asio::any_io_executor io_executor,
          JournalSettings settings = {});
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  static std::filesystem::path file(const std::filesystem::path& dir, std::uint64_t generation);
  // The generations present in dir, ascending (blocking: call it on the I/O pool).
  static std::vector<std::uint64_t> generations(const std::filesystem::path& dir);

  // The generation the next records go to. Set it above every generation on disk at start:
  // a new file, never an append after a tail a crash may have torn.
  void start_generation(std::uint64_t generation) {
    std::lock_guard lock(pending_mutex_);
    generation_ = generation;
  }
  std::uint64_t generation() const {
    std::lock_guard lock(pending_mutex_);
    return generation_;
  }

  // Records made by journal::append_record (`count` of them), on any of the audience's loops
  // (a short lock, nothing else); never fails (drops and counts them when the buffer is full).
  void append(std::string_view records, std::size_t count);

  // Writes the buffer to the current generation's file, on the I/O pool.
  boost::asio::awaitable<void> flush();
  // Writes what is buffered to the current generation and starts the next one, at once: every
  // record appended after the call begins is in the new generation. Returns the new generation.
  boost::asio::awaitable<std::uint64_t> rotate();
  // Deletes the generations below `generation` (a snapshot now holds them).
  boost::asio::awaitable<void> remove_below(std::uint64_t generation);
  // Flushes every flush_interval until cancelled.
  boost::asio::awaitable<void> run_flusher();

  struct Counters {
    std::uint64_t records_appended = 0;
    std::uint64_t records_written = 0;
    std::uint64_t bytes_written = 0;
    std::uint64_t records_dropped = 0;  // buffer full
    std::uint64_t records_lost = 0;     // the write failed
    std::uint64_t write_errors = 0;
  };
  Counters counters() const {
    std::lock_guard lock(pending_mutex_);
    return counters_;
  }
  // Bytes appended since the last rotation (the snapshotter's measure of the journal's length).
  std::uint64_t bytes_since_rotation() const {
    std::lock_guard lock(pending_mutex_);
    return bytes_since_rotation_;
  }
  // True when records of the current generation were dropped or not written: only a snapshot
  // makes the state on disk whole again. A failed snapshot sets it too.
  bool incomplete() const {
    std::lock_guard lock(pending_mutex_);
    return incomplete_;
  }
  void mark_incomplete() {
    std::lock_guard lock(pending_mutex_);
    incomplete_ = true;
  }

 private:
  struct Files;  // the open file; used on the I/O pool only
  boost::asio::awaitable<void> write(std::uint64_t generation, std::string batch,
                                     std::size_t records);

  std::filesystem::path dir_;
  boost::asio::any_io_executor io_executor_;
  JournalSettings settings_;
  std::shared_ptr<Files> files_;
  // Guards what append() touches (and the counters): appends come from every shard's loop;
  // flush, rotate and the writes run on the state loop.
  mutable std::mutex pending_mutex_;
  std::uint64_t generation_ = 1;
  std::string pending_;
  std::size_t pending_records_ = 0;
  std::uint64_t bytes_since_rotation_ = 0;
  bool incomplete_ = false;
  Counters counters_;
  std::uint64_t dropped_reported_ = 0;
  std::chrono::steady_clock::time_point dropped_reported_at_{};
};

}  // namespace streampulse::persist
