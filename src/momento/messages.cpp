// Collections: sorted sets and dictionaries. Topics and tokens are in messages_topics.cpp.
#include "streampulse/momento/messages.hpp"

#include "message_parse.hpp"

#include <algorithm>
#include <limits>

namespace streampulse::momento {

using detail::malformed;
using detail::parse;

namespace {

std::uint64_t ttl_ms(store::CollectionTtl ttl) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, ttl.ttl.count()));
}

}  // namespace

// ---- sorted sets ----

cache_client::_SortedSetPutRequest make_sorted_set_put(
    std::string_view set, const std::vector<store::ScoredMember>& elements,
    store::CollectionTtl ttl) {
  cache_client::_SortedSetPutRequest m;
  m.set_set_name(set.data(), set.size());
  for (const auto& e : elements) {
    auto* element = m.add_elements();
    element->set_value(e.value);
    element->set_score(e.score);
  }
  m.set_ttl_milliseconds(ttl_ms(ttl));
  m.set_refresh_ttl(ttl.refresh);
  return m;
}

cache_client::_SortedSetFetchRequest make_sorted_set_fetch_by_score(
    std::string_view set, const store::ScoreRange& range, std::optional<std::uint32_t> limit) {
  cache_client::_SortedSetFetchRequest m;
  m.set_set_name(set.data(), set.size());
  m.set_with_scores(true);
  auto* by_score = m.mutable_by_score();
  // Oneof members are emitted even when empty or zero: an _Unbounded is "1a 00" on the wire.
  if (range.min) {
    by_score->mutable_min_score()->set_score(*range.min);
  } else {
    by_score->mutable_unbounded_min();
  }
  if (range.max) {
    by_score->mutable_max_score()->set_score(*range.max);
  } else {
    by_score->mutable_unbounded_max();
  }
  constexpr std::uint32_t kMaxCount = std::numeric_limits<std::int32_t>::max();
  by_score->set_count(limit ? static_cast<std::int32_t>(std::min(*limit, kMaxCount)) : -1);
  return m;
}

cache_client::_SortedSetLengthByScoreRequest make_sorted_set_length_by_score(
    std::string_view set, const store::ScoreRange& range) {
  cache_client::_SortedSetLengthByScoreRequest m;
  m.set_set_name(set.data(), set.size());
  if (range.min) {
    m.set_inclusive_min(*range.min);
  } else {
    m.mutable_unbounded_min();
  }
  if (range.max) {
    m.set_inclusive_max(*range.max);
  } else {
    m.mutable_unbounded_max();
  }
  return m;
}

cache_client::_SortedSetRemoveRequest make_sorted_set_remove(
    std::string_view set, const std::vector<std::string>& values) {
  cache_client::_SortedSetRemoveRequest m;
  m.set_set_name(set.data(), set.size());
  auto* some = m.mutable_some();
  for (const auto& v : values) some->add_values(v);
  return m;
}

result<std::vector<store::ScoredMember>> read_sorted_set_fetch(std::string_view bytes) {
  auto m = parse<cache_client::_SortedSetFetchResponse>(bytes);
  if (!m) return m.error();
  std::vector<store::ScoredMember> out;
  if (m->has_missing()) return out;
  if (!m->has_found()) return malformed();
  const auto& found = m->found();
  if (found.has_values_with_scores()) {
    for (const auto& e : found.values_with_scores().elements())
      out.push_back({e.value(), e.score()});
  } else if (found.has_values()) {
    for (const auto& v : found.values().values()) out.push_back({v, 0});
  }
  return out;
}

result<std::uint64_t> read_sorted_set_length_by_score(std::string_view bytes) {
  auto m = parse<cache_client::_SortedSetLengthByScoreResponse>(bytes);
  if (!m) return m.error();
  if (m->has_missing()) return 0;
  if (!m->has_found()) return malformed();
  return m->found().length();
}

// ---- dictionaries ----

cache_client::_DictionarySetRequest make_dictionary_set(std::string_view dictionary,
                                                        const std::vector<store::FieldValue>& items,
                                                        store::CollectionTtl ttl) {
  cache_client::_DictionarySetRequest m;
  m.set_dictionary_name(dictionary.data(), dictionary.size());
  for (const auto& item : items) {
    auto* pair = m.add_items();
    pair->set_field(item.field);
    pair->set_value(item.value);
  }
  m.set_ttl_milliseconds(ttl_ms(ttl));
  m.set_refresh_ttl(ttl.refresh);
  return m;
}

cache_client::_DictionaryFetchRequest make_dictionary_fetch(std::string_view dictionary) {
  cache_client::_DictionaryFetchRequest m;
  m.set_dictionary_name(dictionary.data(), dictionary.size());
  return m;
}

cache_client::_DictionaryGetRequest make_dictionary_get(std::string_view dictionary,
                                                        const std::vector<std::string>& fields) {
  cache_client::_DictionaryGetRequest m;
  m.set_dictionary_name(dictionary.data(), dictionary.size());
  for (const auto& f : fields) m.add_fields(f);
  return m;
}

cache_client::_DictionaryLengthRequest make_dictionary_length(std::string_view dictionary) {
  cache_client::_DictionaryLengthRequest m;
  m.set_dictionary_name(dictionary.data(), dictionary.size());
  return m;
}

cache_client::_DictionaryDeleteRequest make_dictionary_delete(
    std::string_view dictionary, const std::vector<std::string>& fields) {
  cache_client::_DictionaryDeleteRequest m;
  m.set_dictionary_name(dictionary.data(), dictionary.size());
  auto* some = m.mutable_some();
  for (const auto& f : fields) some->add_fields(f);
  return m;
}

result<std::vector<store::FieldValue>> read_dictionary_fetch(std::string_view bytes) {
  auto m = parse<cache_client::_DictionaryFetchResponse>(bytes);
  if (!m) return m.error();
  std::vector<store::FieldValue> out;
  if (m->has_missing()) return out;
  if (!m->has_found()) return malformed();
  for (const auto& item : m->found().items()) out.push_back({item.field(), item.value()});
  return out;
}

result<std::vector<std::optional<std::string>>> read_dictionary_get(std::string_view bytes,
                                                                    std::size_t field_count) {
  auto m = parse<cache_client::_DictionaryGetResponse>(bytes);
  if (!m) return m.error();
  std::vector<std::optional<std::string>> out(field_count);
  if (m->has_missing()) return out;
  if (!m->has_found()) return malformed();
  const auto& items = m->found().items();
  if (static_cast<std::size_t>(items.size()) != field_count) return malformed();
  for (std::size_t i = 0; i < field_count; ++i) {
    const auto& part = items[static_cast<int>(i)];
    if (part.result() == cache_client::Hit) out[i] = part.cache_body();
  }
  return out;
}

result<std::uint64_t> read_dictionary_length(std::string_view bytes) {
  auto m = parse<cache_client::_DictionaryLengthResponse>(bytes);
  if (!m) return m.error();
  if (m->has_missing()) return 0;
  if (!m->has_found()) return malformed();
  return m->found().length();
}

}  // namespace streampulse::momento
