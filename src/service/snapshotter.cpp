#include "streampulse/service/snapshotter.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <iterator>
#include <vector>

namespace streampulse::service {

namespace asio = boost::asio;
using persist::Journal;
using persist::LoadedState;
using persist::RestoreReport;
using persist::SavedSnapshot;
using persist::snapshot::load_for_restore;
using persist::snapshot::place_players;
using persist::snapshot::read_rows;
using persist::snapshot::Rows;
using persist::snapshot::write_rows;
using store::result;
namespace snapshot = persist::snapshot;

store::awaitable<result<SavedSnapshot>> save_snapshot(Audience& audience, const core::Clock& clock,
                                                      Journal& journal,
                                                      asio::any_io_executor io_executor) {
  const std::uint64_t generation = co_await journal.rotate();
  Rows all;
  for (std::size_t i = 0; i < audience.size(); ++i) {
    // Each shard read on its own loop; a record made meanwhile is in the new generation.
    auto rows = co_await audience.on_shard<result<Rows>>(
        i, [](AudienceShard& sh) { return read_rows(*sh.store, sh.registry->settings()); });
    if (rows.has_error()) {
      journal.mark_incomplete();
      co_return rows.error();
    }
    std::move(rows->seen.begin(), rows->seen.end(), std::back_inserter(all.seen));
    std::move(rows->entries.begin(), rows->entries.end(), std::back_inserter(all.entries));
  }
  co_return co_await write_rows(std::move(all), generation, clock, journal, io_executor);
}

store::awaitable<result<RestoreReport>> restore_state(Audience& audience, const core::Clock& clock,
                                                      Journal& journal,
                                                      asio::any_io_executor io_executor) {
  const auto& rs = audience.shard(0).registry->settings();
  // The cap is the whole audience's (the shards share it).
  LoadedState st = co_await load_for_restore(rs, rs.max_players, clock, journal, io_executor);
  RestoreReport report;
  report.journal_records = st.journal_records;
  report.damaged_files = st.damaged_files;
  std::vector<std::vector<snapshot::Player>> parts(audience.size());
  for (auto& p : st.players) parts[audience.shard_of(p.id)].push_back(std::move(p));
  st.players.clear();
  for (std::size_t i = 0; i < audience.size(); ++i) {
    auto loaded = co_await audience.on_shard<result<std::size_t>>(
        i, [&audience, &parts, i](AudienceShard& sh) {
          // Each player under the stream its entry names (the catalog is read before this).
          return place_players(*sh.store, *sh.registry, std::move(parts[i]),
                               audience.activity_restorer(sh));
        });
    if (loaded.has_error()) co_return loaded.error();
    report.players += *loaded;
  }
  if (st.rewrite) {
    auto saved = co_await save_snapshot(audience, clock, journal, io_executor);
    if (saved.has_error())
      spdlog::warn("restore: the fresh snapshot was not written; the old files stay");
  }
  co_return report;
}

asio::awaitable<void> run_snapshotter(Services& s, Journal& journal,
                                      asio::any_io_executor io_executor, SnapshotPolicy policy) {
  using clock = std::chrono::steady_clock;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto last = clock::now();
  std::uint64_t last_bytes = 0;
  std::uint64_t pruned_at = s.stats.players_pruned;
  for (;;) {
    timer.expires_after(policy.check);
    co_await timer.async_wait(asio::use_awaitable);  // throws when the service stops
    const std::uint64_t journal_bytes = journal.bytes_since_rotation();
    const bool changed = journal_bytes > 0 || s.stats.players_pruned != pruned_at;
    const bool due = journal.incomplete() ||
                     journal_bytes >= std::max(policy.min_journal_bytes, last_bytes) ||
                     (changed && clock::now() - last >= policy.max_interval);
    if (!due) continue;
    const std::uint64_t pruned = s.stats.players_pruned;
    last = clock::now();
    auto saved = co_await save_snapshot(s.audience, s.clock, journal, io_executor);
    if (saved.has_error()) {
      spdlog::warn("saving the snapshot failed: {}", saved.error().message());
      // Not again before the next check plus a pause: a full disk is not helped by retrying.
      timer.expires_after(std::chrono::seconds(5));
      co_await timer.async_wait(asio::use_awaitable);
      continue;
    }
    last_bytes = saved->bytes;
    pruned_at = pruned;
    spdlog::debug("snapshot: {} players, {} bytes", saved->players, saved->bytes);
  }
}

}  // namespace streampulse::service
