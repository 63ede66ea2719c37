#pragma once
// Keeps the embedded backend's players across restarts (STREAMPULSE_DATA_DIR): a snapshot of the
// sorted set `activePlayers` and the dictionary `analytics` in `players.json`, plus the journal
// of the heartbeats recorded since (journal.hpp). At start: the snapshot, then the journal's
// generations in order; a kill -9 loses at most the journal's last flush interval (200 ms), a
// graceful stop nothing. Damaged files are detected (checksums), reported, copied aside, and
// what is intact in them is used; they never stop the service.
//
// players.json is text, one checksummed line per item ("<CRC-32 as 8 hex digits> <JSON>\n", the
// checksum over the JSON):
//   {"streampulseSnapshot":2,"journal":G,"savedAt":ms,"players":n}   G: first generation to replay
//   {"id":"...","lastSeen":ms,"analytics":"<the dictionary value>"}   one per player
//   {"end":n}                                                          absent: truncated
// A damaged line loses that player only. Version 1 (one plain JSON object) is still read.
#include "streampulse/core/viewer_registry.hpp"
#include "streampulse/persist/journal.hpp"
#include "streampulse/store/store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <optional>

namespace streampulse::persist {

namespace snapshot {

inline constexpr std::string_view kFileName = "players.json";

struct Player {
  std::string id;
  double last_seen = 0;
  std::string analytics;
  friend bool operator==(const Player&, const Player&) = default;
};

std::string format(std::uint64_t journal_generation, core::EpochMs saved_at,
                   const std::vector<Player>& players);

struct Contents {
  int version = 0;  // 0: no readable header; 1: the plain JSON of old; 2
  std::optional<std::uint64_t> journal_generation;
  std::vector<Player> players;  // the intact lines (not yet validated as heartbeats)
  std::size_t bad_lines = 0;
  std::string problem;  // empty: whole and intact
};

// Never throws.
Contents parse(std::string_view text);

}  // namespace snapshot

struct SavedSnapshot {
  std::size_t players = 0;
  std::size_t bytes = 0;
};

// Starts a new journal generation, reads the store, writes players.json on `io_executor` (a
// temporary file, fsync, renamed over the old one, directory fsync'd), then deletes the journal
// generations it holds. A crash at any point leaves a snapshot and the generations after it.
store::awaitable<store::result<SavedSnapshot>> save_snapshot(
    store::Store& store, const core::ViewerRegistry& registry, const core::Clock& clock,
    Journal& journal, boost::asio::any_io_executor io_executor);

// What the files in the data directory hold, merged: a player's latest heartbeat wins (by time
// seen). Players past the retention are left out. Damaged files are logged with spdlog::error and
// copied aside as <name>.corrupt-<epoch s>. Blocking: call it on the I/O pool.
struct LoadedState {
  std::vector<snapshot::Player> players;
  std::size_t snapshot_players = 0;  // valid players read from the snapshot
  std::size_t journal_records = 0;   // valid records read from the journal
  std::size_t journal_files = 0;
  std::size_t invalid = 0;  // intact but not a valid player or heartbeat
  std::size_t expired = 0;  // past the retention
  std::size_t damaged_files = 0;
  std::uint64_t next_generation = 1;  // above every generation found
  bool rewrite = false;               // a fresh snapshot should replace these files
};
LoadedState load_state(const std::filesystem::path& dir, core::EpochMs now,
                       core::EpochMs retention_ms);

struct RestoreReport {
  std::size_t players = 0;  // in the registry's index after the restore
  std::size_t journal_records = 0;
  std::size_t damaged_files = 0;
};

// Before serving: load_state on `io_executor`, then the players into the store and the
// registry's index; the journal continues at a new generation. When journals were replayed or
// files were damaged, a fresh snapshot is written at once.
store::awaitable<store::result<RestoreReport>> restore_state(
    store::Store& store, core::ViewerRegistry& registry, const core::Clock& clock, Journal& journal,
    boost::asio::any_io_executor io_executor);
// The steps of save_snapshot and restore_state, for the service's own over the shards of its
// audience (service/snapshotter.hpp).
namespace snapshot {
// The players one store holds: when each was last seen, and its dictionary entry.
struct Rows {
  std::vector<store::ScoredMember> seen;
  std::vector<store::FieldValue> entries;
};
store::awaitable<store::result<Rows>> read_rows(store::Store& store,
                                                const core::RegistrySettings& rs);
// Writes `rows` as the snapshot of `generation`, then deletes the journal generations below it.
store::awaitable<store::result<SavedSnapshot>> write_rows(Rows rows, std::uint64_t generation,
                                                          const core::Clock& clock,
                                                          Journal& journal,
                                                          boost::asio::any_io_executor io_executor);
// Puts restored players into one store and its registry's index; how many the index holds.
store::awaitable<store::result<std::size_t>> place_players(
    store::Store& store, core::ViewerRegistry& registry, std::vector<Player> players,
    core::ViewerRegistry::LoadedPlayer each = {});
// load_state on the pool, the journal's next generation, and the cap on players applied.
store::awaitable<LoadedState> load_for_restore(const core::RegistrySettings& rs,
                                               std::size_t max_players, const core::Clock& clock,
                                               Journal& journal,
                                               boost::asio::any_io_executor io_executor);
}  // namespace snapshot

}  // namespace streampulse::persist
