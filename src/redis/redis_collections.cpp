// RedisStore's collections on Redis: sorted sets (ZSET), dictionaries (HASH), media objects.
#include "redis_store_impl.hpp"

#include "streampulse/core/error.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <unordered_set>

namespace streampulse::redis {

using detail::error;
using store::awaitable;
using store::result;

namespace {

std::string score_text(double score) {
  if (std::isinf(score)) return score > 0 ? "+inf" : "-inf";
  return fmt::format("{}", score);  // the shortest text that reads back as the same double
}

std::string bound_text(const std::optional<double>& bound, bool low) {
  if (!bound) return low ? "-inf" : "+inf";
  return score_text(*bound);
}

std::optional<double> parse_score(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);  // "inf", "-inf" included
  if (end == text.c_str() || *end != '\0') return std::nullopt;
  return v;
}

}  // namespace

// ---- sorted sets ----

awaitable<result<void>> RedisStore::sorted_set_put(std::string_view set,
                                                   std::vector<store::ScoredMember> elements,
                                                   store::CollectionTtl ttl) {
  if (set.empty()) co_return error(errc::invalid_argument);
  if (elements.empty()) co_return result<void>{};  // ZADD with no member is a syntax error
  const std::string k = impl_->key('z', set);
  Command zadd{"ZADD", k};
  zadd.reserve(2 + 2 * elements.size());
  for (auto& e : elements) {
    zadd.push_back(score_text(e.score));
    zadd.push_back(std::move(e.value));
  }
  std::vector<Command> cmds{std::move(zadd)};
  if (auto expire = impl_->ttl_command(k, ttl)) cmds.push_back(std::move(*expire));
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  co_return result<void>{};
}

awaitable<result<std::vector<store::ScoredMember>>> RedisStore::sorted_set_fetch_by_score(
    std::string_view set, store::ScoreRange range, std::optional<std::uint32_t> limit) {
  Command cmd{"ZRANGE", impl_->key('z', set), bound_text(range.min, true),
              bound_text(range.max, false), "BYSCORE"};
  if (limit) {
    cmd.insert(cmd.end(), {"LIMIT", "0", std::to_string(*limit)});
  }
  cmd.push_back("WITHSCORES");
  std::vector<Command> cmds{std::move(cmd)};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  const Reply& r = done->front();
  if (r.type != Reply::Type::array || r.elements.size() % 2 != 0) co_return error(errc::internal);
  std::vector<store::ScoredMember> out;
  out.reserve(r.elements.size() / 2);
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    auto score = parse_score(r.elements[i + 1].str);
    if (!score) co_return error(errc::internal);
    out.push_back({r.elements[i].str, *score});
  }
  co_return out;
}

awaitable<result<std::uint64_t>> RedisStore::sorted_set_length_by_score(std::string_view set,
                                                                        store::ScoreRange range) {
  std::vector<Command> cmds{Command{"ZCOUNT", impl_->key('z', set), bound_text(range.min, true),
                                    bound_text(range.max, false)}};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  if (done->front().type != Reply::Type::integer) co_return error(errc::internal);
  co_return static_cast<std::uint64_t>(done->front().integer);
}

awaitable<result<void>> RedisStore::sorted_set_remove(std::string_view set,
                                                      std::vector<std::string> values) {
  if (values.empty()) co_return result<void>{};
  Command cmd{"ZREM", impl_->key('z', set)};
  for (auto& v : values) cmd.push_back(std::move(v));
  std::vector<Command> cmds{std::move(cmd)};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  co_return result<void>{};
}

// ---- dictionaries ----

awaitable<result<void>> RedisStore::dictionary_set(std::string_view dictionary,
                                                   std::vector<store::FieldValue> items,
                                                   store::CollectionTtl ttl) {
  if (dictionary.empty()) co_return error(errc::invalid_argument);
  if (items.empty()) co_return result<void>{};
  const std::string k = impl_->key('h', dictionary);
  Command hset{"HSET", k};
  hset.reserve(2 + 2 * items.size());
  for (auto& i : items) {
    hset.push_back(std::move(i.field));
    hset.push_back(std::move(i.value));
  }
  std::vector<Command> cmds{std::move(hset)};
  if (auto expire = impl_->ttl_command(k, ttl)) cmds.push_back(std::move(*expire));
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  co_return result<void>{};
}

awaitable<result<std::vector<store::FieldValue>>> RedisStore::dictionary_fetch(
    std::string_view dictionary) {
  // HSCAN in steps rather than HGETALL: a big dictionary would hold Redis's one thread for the
  // whole copy (docs/redis.md). A field may come twice across steps: kept once.
  const std::string k = impl_->key('h', dictionary);
  std::vector<store::FieldValue> out;
  std::unordered_set<std::string> seen;
  std::string cursor = "0";
  do {
    std::vector<Command> cmds{Command{"HSCAN", k, cursor, "COUNT", "1000"}};
    auto done = co_await impl_->call(std::move(cmds), true);
    if (!done) co_return done.error();
    const Reply& r = done->front();
    if (r.type != Reply::Type::array || r.elements.size() != 2 ||
        r.elements[1].type != Reply::Type::array || r.elements[1].elements.size() % 2 != 0)
      co_return error(errc::internal);
    cursor = r.elements[0].str;
    const auto& pairs = r.elements[1].elements;
    for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
      if (seen.insert(pairs[i].str).second) out.push_back({pairs[i].str, pairs[i + 1].str});
    }
  } while (cursor != "0");
  co_return out;
}

awaitable<result<std::vector<std::optional<std::string>>>> RedisStore::dictionary_get(
    std::string_view dictionary, std::vector<std::string> fields) {
  std::vector<std::optional<std::string>> out;
  if (fields.empty()) co_return out;
  Command cmd{"HMGET", impl_->key('h', dictionary)};
  for (auto& f : fields) cmd.push_back(std::move(f));
  std::vector<Command> cmds{std::move(cmd)};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  const Reply& r = done->front();
  if (r.type != Reply::Type::array) co_return error(errc::internal);
  for (const auto& e : r.elements) {
    if (e.is_nil()) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(e.str);
    }
  }
  co_return out;
}

awaitable<result<std::uint64_t>> RedisStore::dictionary_length(std::string_view dictionary) {
  std::vector<Command> cmds{Command{"HLEN", impl_->key('h', dictionary)}};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  if (done->front().type != Reply::Type::integer) co_return error(errc::internal);
  co_return static_cast<std::uint64_t>(done->front().integer);
}

awaitable<result<void>> RedisStore::dictionary_remove(std::string_view dictionary,
                                                      std::vector<std::string> fields) {
  if (fields.empty()) co_return result<void>{};
  Command cmd{"HDEL", impl_->key('h', dictionary)};
  for (auto& f : fields) cmd.push_back(std::move(f));
  std::vector<Command> cmds{std::move(cmd)};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  co_return result<void>{};
}

// ---- objects ----

awaitable<result<std::optional<std::string>>> RedisStore::object_get(std::string_view key) {
  std::vector<Command> cmds{Command{"GET", impl_->media_prefix + std::string(key)}};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  const Reply& r = done->front();
  if (r.is_nil()) co_return std::optional<std::string>{};
  if (r.type != Reply::Type::string) co_return error(errc::internal);
  co_return std::optional<std::string>(r.str);
}

awaitable<result<void>> RedisStore::object_put(std::string_view key, std::string bytes,
                                               std::chrono::seconds ttl) {
  std::vector<Command> cmds{Command{"SET", impl_->media_prefix + std::string(key), std::move(bytes),
                                    "PX",
                                    std::to_string(std::max<std::int64_t>(1, ttl.count()) * 1000)}};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  co_return result<void>{};
}

}  // namespace streampulse::redis
