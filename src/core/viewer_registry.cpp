#include "streampulse/core/viewer_registry.hpp"

#include "streampulse/core/error.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <unordered_map>

namespace streampulse::core {

using namespace boost::asio::experimental::awaitable_operators;
using store::result;

ViewerRegistry::ViewerRegistry(store::Store& store, const Clock& clock, RegistrySettings settings)
    : store_(store),
      clock_(clock),
      settings_(std::move(settings)),
      index_(settings_.active_window_ms, settings_.viewers) {}

store::awaitable<result<void>> ViewerRegistry::record(const Heartbeat& hb, bool write_store) {
  auto admitted = co_await make_room(hb.player_id);
  if (admitted.has_error()) co_return admitted.error();
  // A new player holds its place among the tracked until this returns (concurrent admissions
  // on a remote backend see it), then the index counts it.
  struct Release {
    ViewerRegistry* registry;
    ~Release() {
      if (!registry) return;
      --registry->admitting_;
      registry->account();
    }
  } release{*admitted == Placed::admitted ? this : nullptr};
  const EpochMs now = clock_.now_ms();
  if (!write_store) {
    upsert(hb, now);
    co_return result<void>{};
  }
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

bool ViewerRegistry::would_refuse(std::string_view player_id) const {
  if (!oldest_seen_) return false;
  AdmissionQuery q;
  q.max_players = settings_.max_players;
  q.active_window_ms = settings_.active_window_ms;
  q.known = index_.contains(player_id);
  q.tracked = tracked();
  q.now = clock_.now_ms();
  q.oldest_seen = oldest_seen_;
  return decide_admission(q) == Admission::refuse;
}

store::awaitable<result<ViewerRegistry::Placed>> ViewerRegistry::make_room(
    const std::string& player_id) {
  AdmissionQuery q;
  q.max_players = settings_.max_players;
  q.active_window_ms = settings_.active_window_ms;
  auto refresh = [&] {
    q.known = index_.contains(player_id);
    q.tracked = tracked();
    q.now = clock_.now_ms();
  };
  const store::ScoreRange everything;  // named: no braced temporaries in co_await (GCC 12)
  // A few evictions at most: on a shared backend the oldest player may be another instance's
  // (not in this index), or a concurrent admission may have taken the place just made.
  for (int evictions = 0;; ++evictions) {
    refresh();
    // Scores only grow (a player seen again, a new one now), so the oldest last-seen read
    // before is a lower bound of everyone's: while it says "all active", a flood of new
    // players is refused without asking the backend again.
    q.oldest_seen = oldest_seen_;
    const Admission first = decide_admission(q);
    if (first == Admission::record && reserve(q.known)) break;
    if ((first == Admission::refuse && q.oldest_seen) || evictions == 3) {
      ++refused_;
      co_return make_error_code(errc::too_many_players);
    }
    // At the cap: the sorted set is ordered by last-seen, so its first is the longest silent.
    auto oldest = co_await store_.sorted_set_fetch_by_score(settings_.active_set, everything, 1);
    if (oldest.has_error()) co_return oldest.error();
    refresh();
    q.oldest_seen.reset();
    if (!oldest->empty()) q.oldest_seen = static_cast<EpochMs>(oldest->front().score);
    oldest_seen_ = q.oldest_seen;
    const Admission decision = decide_admission(q);
    if (decision == Admission::record && reserve(q.known)) break;
    if (decision == Admission::refuse) {
      ++refused_;
      co_return make_error_code(errc::too_many_players);
    }
    auto evicted = co_await evict(std::move(oldest->front().value));
    if (evicted.has_error()) co_return evicted.error();
  }
  if (q.known) co_return Placed::tracked;
  co_return Placed::admitted;  // reserve() counted it in admitting_
}

store::awaitable<result<void>> ViewerRegistry::evict(std::string player_id) {
  std::vector<std::string> ids(1, std::move(player_id));
  auto removed = co_await store_.sorted_set_remove(settings_.active_set, ids);
  if (removed.has_error()) co_return removed.error();
  auto dropped = co_await store_.dictionary_remove(settings_.analytics_dictionary, ids);
  if (dropped.has_error()) co_return dropped.error();
  // Counted once, by whoever removes it from this index (two admissions may race for it).
  if (index_.contains(ids.front())) {
    index_.remove(ids.front());
    account();
    ++evicted_;
  }
  co_return result<void>{};
}

void ViewerRegistry::upsert(const Heartbeat& hb, EpochMs now) {
  const EpochMs previous = index_.upsert(hb, now);
  account();
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
    account();
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
    account();
  }
  co_return removed;
}

store::awaitable<result<std::size_t>> ViewerRegistry::load(LoadedPlayer each) {
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
  // The cap holds for loaded players too: past it, only the most recently seen are loaded.
  std::optional<EpochMs> cutoff;
  if (seen->size() > settings_.max_players)
    cutoff = static_cast<EpochMs>((*seen)[seen->size() - settings_.max_players].score);
  std::size_t loaded = 0;
  for (const auto& [field, value] : *entries) {
    if (index_.size() >= settings_.max_players) break;
    auto hb = parse_analytics_json(field, value);
    if (hb && is_valid_player_id(field)) {
      const auto it = last_seen.find(field);
      if (cutoff && (it == last_seen.end() || it->second < *cutoff)) continue;
      const EpochMs at = it == last_seen.end() ? 0 : it->second;
      index_.upsert(*hb, at);
      if (each) each(*hb, at);
      ++loaded;
    }
  }
  account();
  co_return loaded;
}

bool ViewerRegistry::reserve(bool known) {
  if (known) return true;
  if (settings_.shared_tracked) {
    // The place is taken in the shared count at once: two shards at the edge of the cap cannot
    // both take the last place.
    const auto before = settings_.shared_tracked->fetch_add(1);
    if (before >= static_cast<std::int64_t>(settings_.max_players)) {
      settings_.shared_tracked->fetch_sub(1);
      return false;
    }
    ++accounted_;
  }
  ++admitting_;
  return true;
}

std::size_t ViewerRegistry::tracked() const {
  if (!settings_.shared_tracked) return index_.size() + admitting_;
  return static_cast<std::size_t>(std::max<std::int64_t>(0, settings_.shared_tracked->load()));
}

void ViewerRegistry::account() {
  if (!settings_.shared_tracked) return;
  const auto size = static_cast<std::int64_t>(index_.size() + admitting_);
  settings_.shared_tracked->fetch_add(size - accounted_);
  accounted_ = size;
}

}  // namespace streampulse::core
