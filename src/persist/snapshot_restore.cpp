// Restoring at start (snapshot.hpp): load_state reads players.json and the journal generations
// after it, merged; restore_state puts them into the store and the registry (its steps
// place_players and load_for_restore). Damaged files are reported and copied aside.
#include "streampulse/persist/snapshot.hpp"

#include "streampulse/persist/blocking.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace streampulse::persist {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using store::result;

namespace {

constexpr std::uintmax_t kMaxFileBytes = 1ull << 30;  // refuse to read anything larger

std::optional<std::string> read_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  if (!fs::is_regular_file(file, ec)) throw std::runtime_error("not a regular file");
  if (fs::file_size(file, ec) > kMaxFileBytes)
    throw std::runtime_error(file.string() + " is larger than 1 GiB");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

// Keeps a damaged file for a person to look at; the original stays until a fresh snapshot
// replaces it, so nothing intact in it is lost if that snapshot cannot be written.
std::string copy_aside(const fs::path& file, core::EpochMs now) {
  const fs::path copy = file.string() + ".corrupt-" + std::to_string(now / 1000);
  std::error_code ec;
  fs::copy_file(file, copy, fs::copy_options::overwrite_existing, ec);
  return ec ? "not copied aside: " + ec.message() : "copied to " + copy.string();
}

}  // namespace

LoadedState load_state(const fs::path& dir, core::EpochMs now, core::EpochMs retention_ms) {
  LoadedState st;
  std::unordered_map<std::string, snapshot::Player> latest;
  // The rules of a live heartbeat: a damaged or hand-edited file cannot smuggle anything in.
  auto apply = [&](snapshot::Player p) {
    if (!core::is_valid_player_id(p.id) || !core::parse_analytics_json(p.id, p.analytics)) {
      ++st.invalid;
      return false;
    }
    auto [it, added] = latest.try_emplace(p.id);
    if (added || p.last_seen >= it->second.last_seen) it->second = std::move(p);
    return true;
  };

  std::error_code ec;
  fs::remove(dir / (std::string(snapshot::kFileName) + ".tmp"), ec);  // an unfinished snapshot
  const fs::path snapshot_file = dir / snapshot::kFileName;
  std::optional<std::uint64_t> first_generation;
  std::optional<std::string> text;
  try {
    text = read_file(snapshot_file);
  } catch (const std::exception& e) {
    ++st.damaged_files;
    st.rewrite = true;
    spdlog::error("snapshot {} not read ({}); {}", snapshot_file.string(), e.what(),
                  copy_aside(snapshot_file, now));
  }
  if (text) {
    auto contents = snapshot::parse(*text);
    text.reset();
    for (auto& p : contents.players) st.snapshot_players += apply(std::move(p)) ? 1 : 0;
    first_generation = contents.journal_generation;
    if (contents.version != 2) st.rewrite = true;
    if (!contents.problem.empty()) {
      ++st.damaged_files;
      spdlog::error("snapshot {} is damaged: {}; {} players read from it; {}",
                    snapshot_file.string(), contents.problem, st.snapshot_players,
                    copy_aside(snapshot_file, now));
    }
  }

  std::uint64_t highest = first_generation.value_or(0);
  for (const auto g : Journal::generations(dir)) {
    const fs::path file = Journal::file(dir, g);
    highest = std::max(highest, g);
    if (first_generation && g < *first_generation) {
      fs::remove(file, ec);  // the snapshot holds it (a crash came before its deletion)
      continue;
    }
    ++st.journal_files;
    st.rewrite = true;
    journal::Contents contents;
    try {
      auto bytes = read_file(file);
      if (!bytes) continue;
      contents = journal::read(*bytes);
    } catch (const std::exception& e) {
      contents.problem = e.what();
    }
    std::size_t applied = 0;
    for (auto& r : contents.records) {
      snapshot::Player p{std::move(r.player_id), static_cast<double>(r.seen_ms),
                         std::move(r.analytics)};
      applied += apply(std::move(p)) ? 1 : 0;
    }
    st.journal_records += applied;
    if (!contents.problem.empty()) {
      ++st.damaged_files;
      spdlog::error(
          "journal {} is damaged: {}; {} records applied, {} bytes after them ignored; {}",
          file.string(), contents.problem, applied, contents.ignored_bytes, copy_aside(file, now));
    }
  }
  st.next_generation = highest + 1;

  const double oldest = static_cast<double>(now - retention_ms);
  st.players.reserve(latest.size());
  for (auto& [id, p] : latest) {
    if (p.last_seen < oldest) {
      ++st.expired;  // past the retention while the service was down
      continue;
    }
    st.players.push_back(std::move(p));
  }
  return st;
}

namespace snapshot {

// Puts restored players into one store and its registry's index; how many the index holds.
store::awaitable<result<std::size_t>> place_players(store::Store& store,
                                                    core::ViewerRegistry& registry,
                                                    std::vector<snapshot::Player> players,
                                                    core::ViewerRegistry::LoadedPlayer each) {
  const auto& rs = registry.settings();
  if (!players.empty()) {
    std::vector<store::ScoredMember> seen;
    std::vector<store::FieldValue> entries;
    seen.reserve(players.size());
    entries.reserve(players.size());
    for (auto& p : players) {
      seen.push_back({p.id, p.last_seen});
      entries.push_back({std::move(p.id), std::move(p.analytics)});
    }
    players.clear();
    const store::CollectionTtl ttl{std::chrono::milliseconds(rs.retention_ms + 300'000), true};
    auto put = co_await store.sorted_set_put(rs.active_set, std::move(seen), ttl);
    if (put.has_error()) co_return put.error();
    auto set = co_await store.dictionary_set(rs.analytics_dictionary, std::move(entries), ttl);
    if (set.has_error()) co_return set.error();
  }
  co_return co_await registry.load(std::move(each));
}

// load_state on the pool, the journal's next generation, and the cap on players applied (the
// journal may still hold players evicted since the last snapshot: the longest silent beyond
// the cap are left out, and out of the fresh snapshot).
store::awaitable<LoadedState> load_for_restore(const core::RegistrySettings& rs,
                                               std::size_t max_players, const core::Clock& clock,
                                               Journal& journal,
                                               asio::any_io_executor io_executor) {
  LoadedState st;
  const core::EpochMs now = clock.now_ms();
  const std::string failure = co_await run_blocking(
      io_executor, [&] { st = load_state(journal.dir(), now, rs.retention_ms); });
  if (!failure.empty()) spdlog::error("reading {} failed: {}", journal.dir().string(), failure);
  journal.start_generation(st.next_generation);
  if (st.players.size() > max_players) {
    const auto keep = static_cast<std::ptrdiff_t>(max_players);
    std::nth_element(st.players.begin(), st.players.begin() + keep, st.players.end(),
                     [](const auto& a, const auto& b) { return a.last_seen > b.last_seen; });
    spdlog::warn("restore: {} players over the cap of {} left out (the longest silent)",
                 st.players.size() - max_players, max_players);
    st.players.resize(max_players);
    st.rewrite = true;
  }
  if (st.expired > 0 || st.invalid > 0)
    spdlog::info("restore: {} players past the retention and {} invalid entries left out",
                 st.expired, st.invalid);
  co_return st;
}

}  // namespace snapshot

using snapshot::load_for_restore;
using snapshot::place_players;

store::awaitable<result<RestoreReport>> restore_state(store::Store& store,
                                                      core::ViewerRegistry& registry,
                                                      const core::Clock& clock, Journal& journal,
                                                      asio::any_io_executor io_executor) {
  const auto& rs = registry.settings();
  LoadedState st = co_await load_for_restore(rs, rs.max_players, clock, journal, io_executor);
  RestoreReport report;
  report.journal_records = st.journal_records;
  report.damaged_files = st.damaged_files;
  auto loaded = co_await place_players(store, registry, std::move(st.players));
  if (loaded.has_error()) co_return loaded.error();
  report.players = *loaded;
  if (st.rewrite) {
    // One clean file again: the journals replayed and the damaged files are now in it.
    auto saved = co_await save_snapshot(store, registry, clock, journal, io_executor);
    if (saved.has_error())
      spdlog::warn("restore: the fresh snapshot was not written; the old files stay");
  }
  co_return report;
}

}  // namespace streampulse::persist
