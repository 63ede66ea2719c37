// Scs dictionary methods over the embedded store, with Momento's item size limit on the whole
// dictionary (fields + values) and DictionaryIncrement's integer text values.
#include "grpc_handlers.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace streampulse::testing::fake {

namespace cc = cache_client;

namespace {

// The bytes the fake believes `name` holds; forgotten once the store has no such dictionary
// (expired by TTL or emptied), since only the fake writes to its store.
awaitable<store::result<std::size_t>> current_bytes(State& state, const std::string& name) {
  auto length = co_await state.store.dictionary_length(name);
  if (!length) co_return length.error();
  if (*length == 0) state.dictionary_bytes.erase(name);
  auto it = state.dictionary_bytes.find(name);
  co_return it == state.dictionary_bytes.end() ? std::size_t{0} : it->second;
}

// The total after writing `items` (last one wins per field), given the current values.
awaitable<store::result<std::size_t>> bytes_after(State& state, const std::string& name,
                                                  const std::map<std::string, std::string>& items) {
  auto total = co_await current_bytes(state, name);
  if (!total) co_return total;
  std::vector<std::string> fields;
  for (const auto& [field, value] : items) fields.push_back(field);
  auto old = co_await state.store.dictionary_get(name, std::move(fields));
  if (!old) co_return old.error();
  std::size_t bytes = *total;
  std::size_t i = 0;
  for (const auto& [field, value] : items) {
    const auto& previous = (*old)[i++];
    if (previous) bytes -= field.size() + previous->size();
    bytes += field.size() + value.size();
  }
  co_return bytes;
}

http::Response too_large(const Call& call) {
  return grpc_error(call.req, call.mode, GrpcCode::resource_exhausted,
                    "Item size limit exceeded for this cache", "item_size_limit_exceeded");
}

// A base-10 int64, as DictionaryIncrement stores them; nullopt for anything else.
std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

awaitable<http::Response> dictionary_set(Call& call) {
  auto m = parse_message<cc::_DictionarySetRequest>(call.message);
  if (!m) co_return malformed(call);
  auto& state = call.state;
  std::map<std::string, std::string> latest;
  std::vector<store::FieldValue> items;
  for (const auto& item : m->items()) {
    latest[item.field()] = item.value();
    items.push_back({item.field(), item.value()});
  }
  auto bytes = co_await bytes_after(state, m->dictionary_name(), latest);
  if (!bytes) co_return store_error(call, bytes.error());
  if (*bytes > state.options.max_item_bytes) co_return too_large(call);
  const store::CollectionTtl ttl{std::chrono::milliseconds(m->ttl_milliseconds()),
                                 m->refresh_ttl()};
  auto done = co_await state.store.dictionary_set(m->dictionary_name(), std::move(items), ttl);
  if (!done) co_return store_error(call, done.error());
  if (!latest.empty()) state.dictionary_bytes[m->dictionary_name()] = *bytes;
  co_return ok(call, cc::_DictionarySetResponse());
}

awaitable<http::Response> dictionary_fetch(Call& call) {
  auto m = parse_message<cc::_DictionaryFetchRequest>(call.message);
  if (!m) co_return malformed(call);
  auto items = co_await call.state.store.dictionary_fetch(m->dictionary_name());
  if (!items) co_return store_error(call, items.error());
  cc::_DictionaryFetchResponse out;
  if (items->empty()) {
    out.mutable_missing();
    co_return ok(call, out);
  }
  std::sort(items->begin(), items->end(),
            [](const auto& a, const auto& b) { return a.field < b.field; });
  auto* found = out.mutable_found();
  for (auto& item : *items) {
    auto* pair = found->add_items();
    pair->set_field(std::move(item.field));
    pair->set_value(std::move(item.value));
  }
  co_return ok(call, out);
}

awaitable<http::Response> dictionary_get(Call& call) {
  auto m = parse_message<cc::_DictionaryGetRequest>(call.message);
  if (!m) co_return malformed(call);
  auto& store = call.state.store;
  auto length = co_await store.dictionary_length(m->dictionary_name());
  if (!length) co_return store_error(call, length.error());
  cc::_DictionaryGetResponse out;
  if (*length == 0) {
    out.mutable_missing();
    co_return ok(call, out);
  }
  std::vector<std::string> fields(m->fields().begin(), m->fields().end());
  auto values = co_await store.dictionary_get(m->dictionary_name(), std::move(fields));
  if (!values) co_return store_error(call, values.error());
  auto* found = out.mutable_found();
  for (auto& value : *values) {
    auto* part = found->add_items();
    part->set_result(value ? cc::Hit : cc::Miss);
    if (value) part->set_cache_body(std::move(*value));
  }
  co_return ok(call, out);
}

awaitable<http::Response> dictionary_length(Call& call) {
  auto m = parse_message<cc::_DictionaryLengthRequest>(call.message);
  if (!m) co_return malformed(call);
  auto length = co_await call.state.store.dictionary_length(m->dictionary_name());
  if (!length) co_return store_error(call, length.error());
  cc::_DictionaryLengthResponse out;
  if (*length == 0) {
    out.mutable_missing();
  } else {
    out.mutable_found()->set_length(static_cast<std::uint32_t>(*length));
  }
  co_return ok(call, out);
}

awaitable<http::Response> dictionary_delete(Call& call) {
  auto m = parse_message<cc::_DictionaryDeleteRequest>(call.message);
  if (!m) co_return malformed(call);
  auto& state = call.state;
  const std::string& name = m->dictionary_name();
  std::vector<std::string> fields;
  if (m->has_all()) {
    auto items = co_await state.store.dictionary_fetch(name);
    if (!items) co_return store_error(call, items.error());
    for (auto& item : *items) fields.push_back(std::move(item.field));
  } else {
    fields.assign(m->some().fields().begin(), m->some().fields().end());
  }
  std::sort(fields.begin(), fields.end());
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  auto total = co_await current_bytes(state, name);
  auto old = co_await state.store.dictionary_get(name, fields);
  if (!total || !old) co_return store_error(call, make_error_code(errc::internal));
  std::size_t bytes = *total;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if ((*old)[i]) bytes -= fields[i].size() + (*old)[i]->size();
  }
  auto done = co_await state.store.dictionary_remove(name, std::move(fields));
  if (!done) co_return store_error(call, done.error());
  state.dictionary_bytes[name] = bytes;
  co_return ok(call, cc::_DictionaryDeleteResponse());
}

awaitable<http::Response> dictionary_increment(Call& call) {
  auto m = parse_message<cc::_DictionaryIncrementRequest>(call.message);
  if (!m) co_return malformed(call);
  auto& state = call.state;
  const std::string& name = m->dictionary_name();
  std::vector<std::string> field{m->field()};
  auto old = co_await state.store.dictionary_get(name, std::move(field));
  if (!old) co_return store_error(call, old.error());
  std::int64_t value = 0;
  if (const auto& text = old->front()) {
    const auto parsed = parse_integer(*text);
    if (!parsed) {
      co_return grpc_error(call.req, call.mode, GrpcCode::failed_precondition,
                           "the field's value is not a base-10 64-bit integer");
    }
    value = *parsed;
  }
  if (__builtin_add_overflow(value, m->amount(), &value)) {
    co_return grpc_error(call.req, call.mode, GrpcCode::failed_precondition,
                         "the increment overflows a 64-bit integer");
  }
  std::map<std::string, std::string> latest{{m->field(), std::to_string(value)}};
  auto bytes = co_await bytes_after(state, name, latest);
  if (!bytes) co_return store_error(call, bytes.error());
  if (*bytes > state.options.max_item_bytes) co_return too_large(call);
  std::vector<store::FieldValue> items{{m->field(), std::to_string(value)}};
  const store::CollectionTtl ttl{std::chrono::milliseconds(m->ttl_milliseconds()),
                                 m->refresh_ttl()};
  auto done = co_await state.store.dictionary_set(name, std::move(items), ttl);
  if (!done) co_return store_error(call, done.error());
  state.dictionary_bytes[name] = *bytes;
  cc::_DictionaryIncrementResponse out;
  out.set_value(value);
  co_return ok(call, out);
}

}  // namespace streampulse::testing::fake
