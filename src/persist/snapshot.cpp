// Saving a snapshot (snapshot.hpp): save_snapshot and its steps read_rows and write_rows. The
// format is snapshot_format.cpp; reading the files back at start, snapshot_restore.cpp.
#include "streampulse/persist/snapshot.hpp"

#include "streampulse/core/error.hpp"
#include "streampulse/persist/blocking.hpp"
#include "streampulse/persist/durable_file.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <string_view>
#include <unordered_map>

namespace streampulse::persist {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using store::result;

namespace snapshot {

store::awaitable<result<Rows>> read_rows(store::Store& store, const core::RegistrySettings& rs) {
  const store::ScoreRange everything;  // named: no braced temporaries in co_await (GCC 12)
  auto seen = co_await store.sorted_set_fetch_by_score(rs.active_set, everything, std::nullopt);
  if (seen.has_error()) co_return seen.error();
  auto entries = co_await store.dictionary_fetch(rs.analytics_dictionary);
  if (entries.has_error()) co_return entries.error();
  co_return Rows{std::move(*seen), std::move(*entries)};
}

store::awaitable<result<SavedSnapshot>> write_rows(Rows rows, std::uint64_t generation,
                                                   const core::Clock& clock, Journal& journal,
                                                   asio::any_io_executor io_executor) {
  const core::EpochMs saved_at = clock.now_ms();
  const fs::path file = journal.dir() / snapshot::kFileName;
  SavedSnapshot saved;
  // Joining, formatting, checksums and the write: all on the pool.
  const std::string failure = co_await run_blocking(io_executor, [&] {
    std::unordered_map<std::string_view, std::string*> analytics;
    analytics.reserve(rows.entries.size());
    for (auto& e : rows.entries) analytics.emplace(e.field, &e.value);
    std::vector<snapshot::Player> players;
    players.reserve(rows.seen.size());
    for (auto& member : rows.seen) {
      const auto it = analytics.find(member.value);
      if (it == analytics.end()) continue;
      players.push_back({std::move(member.value), member.score, std::move(*it->second)});
    }
    {
      const std::string text = snapshot::format(generation, saved_at, players);
      write_file_durably(file, text);
      saved.players = players.size();
      saved.bytes = text.size();
    }
    players = {};
    rows = {};
    // The text and the copies were allocated on this thread, in its own malloc arena, which
    // glibc would otherwise keep (tens of MB for 100,000 players) until the next snapshot.
    ::malloc_trim(0);
  });
  if (!failure.empty()) {
    journal.mark_incomplete();
    spdlog::warn("snapshot not written: {}", failure);
    co_return make_error_code(errc::unavailable);
  }
  co_await journal.remove_below(generation);
  co_return saved;
}

}  // namespace snapshot

using snapshot::read_rows;
using snapshot::write_rows;

store::awaitable<result<SavedSnapshot>> save_snapshot(store::Store& store,
                                                      const core::ViewerRegistry& registry,
                                                      const core::Clock& clock, Journal& journal,
                                                      asio::any_io_executor io_executor) {
  // First the new generation: whatever is recorded from here on is in it, and the store read
  // below has everything before.
  const std::uint64_t generation = co_await journal.rotate();
  auto rows = co_await read_rows(store, registry.settings());
  if (rows.has_error()) {
    journal.mark_incomplete();
    co_return rows.error();
  }
  co_return co_await write_rows(std::move(*rows), generation, clock, journal, io_executor);
}

}  // namespace streampulse::persist
