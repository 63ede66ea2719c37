// Scs sorted set methods over the embedded store. The store fetches by inclusive score range,
// ascending; exclusive bounds, order, offset/count and by-index ranges are applied here.
#include "grpc_handlers.hpp"

#include <algorithm>

namespace streampulse::testing::fake {

namespace cc = cache_client;

namespace {

using Members = std::vector<store::ScoredMember>;

// Every member, ascending (score, then value as the store orders them).
awaitable<store::result<Members>> fetch_all(State& state, const std::string& set) {
  const store::ScoreRange everything;  // named: no braced temporaries in co_await'ed calls
  co_return co_await state.store.sorted_set_fetch_by_score(set, everything, std::nullopt);
}

Members by_score(Members all, const cc::_SortedSetFetchRequest__ByScore& r, bool descending) {
  std::erase_if(all, [&](const store::ScoredMember& m) {
    if (r.has_min_score()) {
      const auto& s = r.min_score();
      if (m.score < s.score() || (s.exclusive() && m.score == s.score())) return true;
    }
    if (r.has_max_score()) {
      const auto& s = r.max_score();
      if (m.score > s.score() || (s.exclusive() && m.score == s.score())) return true;
    }
    return false;
  });
  if (descending) std::reverse(all.begin(), all.end());
  const std::size_t offset = std::min<std::size_t>(r.offset(), all.size());
  all.erase(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(offset));
  if (r.count() >= 0 && static_cast<std::size_t>(r.count()) < all.size()) all.resize(r.count());
  return all;
}

// Ranks as Python slices: [start, end), negative from the end, clamped.
Members by_index(Members all, const cc::_SortedSetFetchRequest__ByIndex& r, bool descending) {
  if (descending) std::reverse(all.begin(), all.end());
  const auto n = static_cast<std::int64_t>(all.size());
  auto clamp = [n](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? n + i : i, 0, n); };
  const std::int64_t start = r.has_inclusive_start_index() ? clamp(r.inclusive_start_index()) : 0;
  const std::int64_t end = r.has_exclusive_end_index() ? clamp(r.exclusive_end_index()) : n;
  if (start >= end) return {};
  return Members(all.begin() + start, all.begin() + end);
}

}  // namespace

awaitable<http::Response> sorted_set_put(Call& call) {
  auto m = parse_message<cc::_SortedSetPutRequest>(call.message);
  if (!m) co_return malformed(call);
  Members elements;
  for (const auto& e : m->elements()) elements.push_back({e.value(), e.score()});
  const store::CollectionTtl ttl{std::chrono::milliseconds(m->ttl_milliseconds()),
                                 m->refresh_ttl()};
  auto done = co_await call.state.store.sorted_set_put(m->set_name(), std::move(elements), ttl);
  if (!done) co_return store_error(call, done.error());
  co_return ok(call, cc::_SortedSetPutResponse());
}

awaitable<http::Response> sorted_set_fetch(Call& call) {
  auto m = parse_message<cc::_SortedSetFetchRequest>(call.message);
  if (!m) co_return malformed(call);
  auto& store = call.state.store;
  const store::ScoreRange everything;
  auto size = co_await store.sorted_set_length_by_score(m->set_name(), everything);
  if (!size) co_return store_error(call, size.error());
  cc::_SortedSetFetchResponse out;
  if (*size == 0) {  // the store drops empty sets: no members means no set
    out.mutable_missing();
    co_return ok(call, out);
  }
  // By score: only the inclusive hull comes from the store; the rest is applied here.
  store::ScoreRange hull;
  if (m->has_by_score() && m->by_score().has_min_score())
    hull.min = m->by_score().min_score().score();
  if (m->has_by_score() && m->by_score().has_max_score())
    hull.max = m->by_score().max_score().score();
  auto fetched = co_await store.sorted_set_fetch_by_score(m->set_name(), hull, std::nullopt);
  if (!fetched) co_return store_error(call, fetched.error());
  const bool descending = m->order() == cc::_SortedSetFetchRequest::DESCENDING;
  Members members;
  if (m->has_by_score()) {
    members = by_score(std::move(*fetched), m->by_score(), descending);
  } else {
    members = by_index(std::move(*fetched), m->by_index(), descending);  // default: every rank
  }
  auto* found = out.mutable_found();
  if (m->with_scores()) {
    auto* elements = found->mutable_values_with_scores();
    for (auto& e : members) {
      auto* element = elements->add_elements();
      element->set_value(std::move(e.value));
      element->set_score(e.score);
    }
  } else {
    auto* values = found->mutable_values();
    for (auto& e : members) values->add_values(std::move(e.value));
  }
  co_return ok(call, out);
}

awaitable<http::Response> sorted_set_length_by_score(Call& call) {
  auto m = parse_message<cc::_SortedSetLengthByScoreRequest>(call.message);
  if (!m) co_return malformed(call);
  auto& store = call.state.store;
  const store::ScoreRange everything;
  auto size = co_await store.sorted_set_length_by_score(m->set_name(), everything);
  if (!size) co_return store_error(call, size.error());
  cc::_SortedSetLengthByScoreResponse out;
  if (*size == 0) {
    out.mutable_missing();
    co_return ok(call, out);
  }
  store::ScoreRange inclusive;
  if (m->has_inclusive_min()) inclusive.min = m->inclusive_min();
  if (m->has_exclusive_min()) inclusive.min = m->exclusive_min();
  if (m->has_inclusive_max()) inclusive.max = m->inclusive_max();
  if (m->has_exclusive_max()) inclusive.max = m->exclusive_max();
  std::uint64_t n = 0;
  if (!m->has_exclusive_min() && !m->has_exclusive_max()) {
    auto counted = co_await store.sorted_set_length_by_score(m->set_name(), inclusive);
    if (!counted) co_return store_error(call, counted.error());
    n = *counted;
  } else {  // exclusive bounds: count the inclusive hull minus the bounds themselves
    auto fetched = co_await store.sorted_set_fetch_by_score(m->set_name(), inclusive, std::nullopt);
    if (!fetched) co_return store_error(call, fetched.error());
    for (const auto& e : *fetched) {
      if (m->has_exclusive_min() && e.score == m->exclusive_min()) continue;
      if (m->has_exclusive_max() && e.score == m->exclusive_max()) continue;
      ++n;
    }
  }
  out.mutable_found()->set_length(static_cast<std::uint32_t>(n));
  co_return ok(call, out);
}

awaitable<http::Response> sorted_set_remove(Call& call) {
  auto m = parse_message<cc::_SortedSetRemoveRequest>(call.message);
  if (!m) co_return malformed(call);
  std::vector<std::string> values;
  if (m->has_all()) {
    auto all = co_await fetch_all(call.state, m->set_name());
    if (!all) co_return store_error(call, all.error());
    for (auto& e : *all) values.push_back(std::move(e.value));
  } else {
    values.assign(m->some().values().begin(), m->some().values().end());
  }
  auto done = co_await call.state.store.sorted_set_remove(m->set_name(), std::move(values));
  if (!done) co_return store_error(call, done.error());
  co_return ok(call, cc::_SortedSetRemoveResponse());
}

}  // namespace streampulse::testing::fake
