#include "streampulse/persist/snapshot.hpp"

#include "streampulse/core/error.hpp"
#include "streampulse/core/json_text.hpp"
#include "streampulse/persist/blocking.hpp"
#include "streampulse/persist/durable_file.hpp"

#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_map>

namespace streampulse::persist {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using store::result;

namespace snapshot {

namespace {

void append_line(std::string& out, std::string_view json) {
  out += fmt::format("{:08x} ", journal::crc32(json));
  out += json;
  out += '\n';
}

// Player entries share the shape of version 1's.
bool read_player(const boost::json::object& obj, Player& p) {
  const auto* id = obj.if_contains("id");
  const auto* last = obj.if_contains("lastSeen");
  const auto* value = obj.if_contains("analytics");
  if (!id || !id->is_string() || !last || !last->is_number() || !value || !value->is_string())
    return false;
  p.id = std::string(id->get_string());
  p.last_seen = last->to_number<double>();
  p.analytics = std::string(value->get_string());
  return true;
}

Contents parse_version_1(std::string_view text) {
  Contents c;
  c.version = 1;
  boost::system::error_code ec;
  const auto doc = boost::json::parse(text, ec);
  const auto* players = !ec && doc.is_object() ? doc.get_object().if_contains("players") : nullptr;
  if (!players || !players->is_array()) {
    c.problem = ec ? ec.message() : "no players array";
    return c;
  }
  for (const auto& v : players->get_array()) {
    Player p;
    if (v.is_object() && read_player(v.get_object(), p)) {
      c.players.push_back(std::move(p));
    } else {
      ++c.bad_lines;
    }
  }
  if (c.bad_lines > 0) c.problem = std::to_string(c.bad_lines) + " malformed players";
  return c;
}

// A non-negative integer (Boost.JSON reads small ones as int64).
std::optional<std::uint64_t> count_of(const boost::json::value* v) {
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

// The JSON of one line if its checksum matches.
std::optional<boost::json::object> checked_line(std::string_view line) {
  if (line.size() < 10 || line[8] != ' ') return std::nullopt;
  std::uint32_t crc = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const char ch = line[i];
    std::uint32_t digit = 0;
    if (ch >= '0' && ch <= '9') {
      digit = static_cast<std::uint32_t>(ch - '0');
    } else if (ch >= 'a' && ch <= 'f') {
      digit = static_cast<std::uint32_t>(ch - 'a' + 10);
    } else {
      return std::nullopt;
    }
    crc = (crc << 4) | digit;
  }
  const std::string_view json = line.substr(9);
  if (journal::crc32(json) != crc) return std::nullopt;
  boost::system::error_code ec;
  auto doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  return std::move(doc.get_object());
}

}  // namespace

std::string format(std::uint64_t journal_generation, core::EpochMs saved_at,
                   const std::vector<Player>& players) {
  std::string out;
  out.reserve(64 + players.size() * 160);
  append_line(out,
              fmt::format(R"({{"streampulseSnapshot":2,"journal":{},"savedAt":{},"players":{}}})",
                          journal_generation, saved_at, players.size()));
  std::string json;
  for (const auto& p : players) {
    json.assign(R"({"id":)");
    core::append_json_string(json, p.id);
    json += R"(,"lastSeen":)";
    core::append_json_number(json, p.last_seen);
    json += R"(,"analytics":)";
    core::append_json_string(json, p.analytics);  // the stored JSON, kept as a string
    json += '}';
    append_line(out, json);
  }
  append_line(out, fmt::format(R"({{"end":{}}})", players.size()));
  return out;
}

Contents parse(std::string_view text) {
  if (!text.empty() && text.front() == '{') return parse_version_1(text);
  Contents c;
  std::optional<std::uint64_t> declared;  // players, by the header
  std::optional<std::uint64_t> ended;     // players, by the end line
  bool after_end = false;
  std::size_t line_number = 0;
  std::size_t first_bad = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const bool whole = newline != std::string_view::npos;
    const std::string_view line = text.substr(0, whole ? newline : text.size());
    text.remove_prefix(whole ? newline + 1 : text.size());
    ++line_number;
    auto obj = whole ? checked_line(line) : std::nullopt;
    Player p;
    if (!obj || after_end) {
      ++c.bad_lines;
      if (first_bad == 0) first_bad = line_number;
    } else if (const auto* v = obj->if_contains("streampulseSnapshot"); v && c.version == 0) {
      c.version = 2;
      c.journal_generation = count_of(obj->if_contains("journal"));
      declared = count_of(obj->if_contains("players"));
    } else if (const auto e = count_of(obj->if_contains("end"))) {
      ended = e;
      after_end = true;
    } else if (read_player(*obj, p)) {
      c.players.push_back(std::move(p));
    } else {
      ++c.bad_lines;
      if (first_bad == 0) first_bad = line_number;
    }
  }
  std::vector<std::string> problems;
  if (c.version == 0) problems.push_back("no intact header line");
  if (c.bad_lines > 0)
    problems.push_back(fmt::format("{} damaged lines (first: line {})", c.bad_lines, first_bad));
  if (!ended) problems.push_back("no end line (truncated)");
  const std::uint64_t expected = declared ? *declared : (ended ? *ended : c.players.size());
  if (c.players.size() != expected)
    problems.push_back(fmt::format("{} of {} players intact", c.players.size(), expected));
  c.problem = fmt::format("{}", fmt::join(problems, "; "));
  return c;
}

}  // namespace snapshot

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
