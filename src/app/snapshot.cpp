#include "streampulse/app/snapshot.hpp"

#include "streampulse/core/error.hpp"
#include "streampulse/core/json_text.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <fstream>
#include <sstream>
#include <unordered_map>

namespace streampulse::app {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using store::result;

namespace {

constexpr std::uintmax_t kMaxSnapshotBytes = 1ull << 30;  // refuse to read anything larger

// Blocking file work, run on the I/O pool: write to a temporary file, then rename it over the
// old snapshot, so a crash mid-write leaves the previous snapshot whole.
void write_file_atomically(const fs::path& file, const std::string& text) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, file);
}

std::optional<std::string> read_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  if (fs::file_size(file, ec) > kMaxSnapshotBytes)
    throw std::runtime_error("snapshot larger than 1 GiB");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

asio::awaitable<result<std::size_t>> save_snapshot(Services& s, const fs::path& file,
                                                   asio::any_io_executor io_executor) {
  const auto& rs = s.registry.settings();
  auto seen = co_await s.store.sorted_set_fetch_by_score(rs.active_set, {}, std::nullopt);
  if (seen.has_error()) co_return seen.error();
  auto entries = co_await s.store.dictionary_fetch(rs.analytics_dictionary);
  if (entries.has_error()) co_return entries.error();
  std::unordered_map<std::string_view, std::string_view> analytics;
  for (const auto& e : *entries) analytics.emplace(e.field, e.value);

  std::string text = fmt::format(R"({{"version":1,"savedAt":{},"players":[)", s.clock.now_ms());
  std::size_t saved = 0;
  for (const auto& member : *seen) {
    const auto it = analytics.find(member.value);
    if (it == analytics.end()) continue;
    if (saved++ > 0) text += ',';
    text += R"({"id":)";
    core::append_json_string(text, member.value);
    text += R"(,"lastSeen":)";
    core::append_json_number(text, member.score);
    text += R"(,"analytics":)";
    core::append_json_string(text, it->second);  // the stored JSON, kept as a string
    text += '}';
  }
  text += "]}\n";
  std::string failure;
  co_await asio::co_spawn(
      io_executor,
      [&]() -> asio::awaitable<void> {
        try {
          write_file_atomically(file, text);
        } catch (const std::exception& e) {
          failure = e.what();
        }
        co_return;
      },
      asio::use_awaitable);
  if (!failure.empty()) {
    spdlog::warn("snapshot not written: {}", failure);
    co_return make_error_code(errc::unavailable);
  }
  co_return saved;
}

asio::awaitable<result<std::size_t>> restore_snapshot(Services& s, const fs::path& file,
                                                      asio::any_io_executor io_executor) {
  std::optional<std::string> text;
  std::string failure;
  co_await asio::co_spawn(
      io_executor,
      [&]() -> asio::awaitable<void> {
        try {
          text = read_file(file);
        } catch (const std::exception& e) {
          failure = e.what();
        }
        co_return;
      },
      asio::use_awaitable);
  if (!failure.empty()) {
    spdlog::error("snapshot {} not read ({}); starting empty", file.string(), failure);
    co_return 0;
  }
  if (!text) co_return 0;

  boost::system::error_code ec;
  const auto doc = boost::json::parse(*text, ec);
  const auto* players = !ec && doc.is_object() ? doc.get_object().if_contains("players") : nullptr;
  if (!players || !players->is_array()) {
    spdlog::error("snapshot {} is damaged ({}); starting empty", file.string(),
                  ec ? ec.message() : "no players array");
    co_return 0;
  }
  const auto& rs = s.registry.settings();
  const double oldest = static_cast<double>(s.clock.now_ms() - rs.retention_ms);
  std::vector<store::ScoredMember> seen;
  std::vector<store::FieldValue> entries;
  for (const auto& p : players->get_array()) {
    const auto* obj = p.if_object();
    const auto* id = obj ? obj->if_contains("id") : nullptr;
    const auto* last = obj ? obj->if_contains("lastSeen") : nullptr;
    const auto* value = obj ? obj->if_contains("analytics") : nullptr;
    if (!id || !id->is_string() || !last || !last->is_number() || !value || !value->is_string())
      continue;
    const std::string player(id->get_string());
    const std::string json(value->get_string());
    // The same rules as a live heartbeat: a hand-edited snapshot cannot smuggle anything in.
    if (!core::is_valid_player_id(player) || !core::parse_analytics_json(player, json)) continue;
    const double last_seen = last->to_number<double>();
    if (last_seen < oldest) continue;  // past the retention while the service was down
    seen.push_back({player, last_seen});
    entries.push_back({player, json});
  }
  const store::CollectionTtl ttl{std::chrono::milliseconds(rs.retention_ms + 300'000), true};
  if (!seen.empty()) {
    auto put = co_await s.store.sorted_set_put(rs.active_set, std::move(seen), ttl);
    if (put.has_error()) co_return put.error();
    auto set = co_await s.store.dictionary_set(rs.analytics_dictionary, std::move(entries), ttl);
    if (set.has_error()) co_return set.error();
  }
  co_return co_await s.registry.load();
}

asio::awaitable<void> run_snapshotter(Services& s, fs::path file, asio::any_io_executor io_executor,
                                      std::chrono::milliseconds period) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::uint64_t saved_at = s.stats.heartbeats_accepted + s.stats.players_pruned;
  for (;;) {
    timer.expires_after(period);
    co_await timer.async_wait(asio::use_awaitable);  // throws when the service stops
    const std::uint64_t changes = s.stats.heartbeats_accepted + s.stats.players_pruned;
    if (changes == saved_at) continue;
    auto saved = co_await save_snapshot(s, file, io_executor);
    if (saved.has_error()) {
      spdlog::warn("saving the snapshot failed: {}", saved.error().message());
      continue;
    }
    saved_at = changes;
  }
}

}  // namespace streampulse::app
