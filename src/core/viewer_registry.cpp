#include "streampulse/core/viewer_registry.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <unordered_map>

namespace streampulse::core {

using namespace boost::asio::experimental::awaitable_operators;
using store::result;

ViewerRegistry::ViewerRegistry(store::Store& store, const Clock& clock, RegistrySettings settings)
    : store_(store),
      clock_(clock),
      settings_(std::move(settings)),
      index_(settings_.active_window_ms) {}

store::awaitable<result<void>> ViewerRegistry::record(const Heartbeat& hb) {
  const EpochMs now = clock_.now_ms();
  // The collections outlive the last write by the retention plus a margin, so the pruner, not
  // the collection TTL, removes players one by one (and the index with them). The TTL is the
  // safety net that empties a backend nobody prunes any more.
  const store::CollectionTtl ttl{std::chrono::milliseconds(settings_.retention_ms + 300'000), true};
  // (Named vectors, not braced lists: GCC 12 miscompiles initializer lists in co_await.)
  std::vector<store::ScoredMember> seen(
      1, store::ScoredMember{hb.player_id, static_cast<double>(now)});
  // The stored record holds the player's totals (rebuffering and errors arrive as deltas).
  std::vector<store::FieldValue> entry(
      1, store::FieldValue{hb.player_id, to_analytics_json(index_.accumulated(hb))});
  if (settings_.concurrent_writes) {
    const auto both =
        co_await (store_.sorted_set_put(settings_.active_set, std::move(seen), ttl) &&
                  store_.dictionary_set(settings_.analytics_dictionary, std::move(entry), ttl));
    if (std::get<0>(both).has_error()) co_return std::get<0>(both).error();
    // The player is active and counted even when its dictionary entry could not be written
    // (throttled, or the dictionary outgrew Momento's item size): the dashboard reads the
    // index, so it keeps working; the failure is reported to the caller.
    upsert(hb, now);
    if (std::get<1>(both).has_error()) co_return std::get<1>(both).error();
    co_return result<void>{};
  }
  auto put = co_await store_.sorted_set_put(settings_.active_set, std::move(seen), ttl);
  if (put.has_error()) co_return put.error();
  auto set = co_await store_.dictionary_set(settings_.analytics_dictionary, std::move(entry), ttl);
  if (set.has_error()) co_return set.error();
  upsert(hb, now);
  co_return result<void>{};
}

void ViewerRegistry::upsert(const Heartbeat& hb, EpochMs now) {
  const EpochMs previous = index_.upsert(hb, now);
  if (on_join_ && (previous == 0 || now - previous > settings_.active_window_ms)) on_join_();
}

store::awaitable<result<std::uint64_t>> ViewerRegistry::active_count() {
  const EpochMs since = clock_.now_ms() - settings_.active_window_ms;
  co_return co_await store_.sorted_set_length_by_score(settings_.active_set,
                                                       {static_cast<double>(since), std::nullopt});
}

store::awaitable<result<DashboardMetrics>> ViewerRegistry::dashboard() {
  auto active = co_await active_count();
  if (active.has_error()) co_return active.error();
  const EpochMs now = clock_.now_ms();
  co_return make_dashboard(index_.totals(now), *active, now);
}

store::awaitable<result<std::size_t>> ViewerRegistry::prune() {
  const double cutoff = static_cast<double>(clock_.now_ms() - settings_.retention_ms);
  std::size_t removed = 0;
  for (;;) {
    auto stale = co_await store_.sorted_set_fetch_by_score(
        settings_.active_set, {std::nullopt, cutoff}, settings_.prune_batch);
    if (stale.has_error()) co_return stale.error();
    if (stale->empty()) break;
    std::vector<std::string> ids;
    ids.reserve(stale->size());
    for (auto& m : *stale) ids.push_back(std::move(m.value));
    const auto removed_both =
        co_await (store_.sorted_set_remove(settings_.active_set, ids) &&
                  store_.dictionary_remove(settings_.analytics_dictionary, ids));
    if (std::get<0>(removed_both).has_error()) co_return std::get<0>(removed_both).error();
    if (std::get<1>(removed_both).has_error()) co_return std::get<1>(removed_both).error();
    for (const auto& id : ids) index_.remove(id);
    removed += ids.size();
    if (ids.size() < settings_.prune_batch) break;
  }
  // Several instances on one Momento cache: whichever prunes first removes a player from the
  // store, so the others never find it there. Each instance also drops, by its own clock, the
  // players it has not seen within the retention (every 10th pass: it walks the index).
  if (++prunes_ % 10 == 0) {
    for (const auto& id : index_.seen_before(clock_.now_ms() - settings_.retention_ms)) {
      index_.remove(id);
      ++removed;
    }
  }
  co_return removed;
}

store::awaitable<result<std::size_t>> ViewerRegistry::load() {
  auto entries = co_await store_.dictionary_fetch(settings_.analytics_dictionary);
  if (entries.has_error()) co_return entries.error();
  // When each player was last seen, so the index can drop it by time later (see prune()).
  const store::ScoreRange everything;  // named: no braced temporaries in co_await (GCC 12)
  auto seen =
      co_await store_.sorted_set_fetch_by_score(settings_.active_set, everything, std::nullopt);
  if (seen.has_error()) co_return seen.error();
  std::unordered_map<std::string, EpochMs> last_seen;
  last_seen.reserve(seen->size());
  for (const auto& m : *seen) last_seen.emplace(m.value, static_cast<EpochMs>(m.score));
  std::size_t loaded = 0;
  for (const auto& [field, value] : *entries) {
    auto hb = parse_analytics_json(field, value);
    if (hb && is_valid_player_id(field)) {
      const auto it = last_seen.find(field);
      index_.upsert(*hb, it == last_seen.end() ? 0 : it->second);
      ++loaded;
    }
  }
  co_return loaded;
}

}  // namespace streampulse::core
