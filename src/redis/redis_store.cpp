// RedisStore's calls (retries, error mapping, -OOM, TTL refreshes), its life and its health.
#include "redis_store_impl.hpp"

#include "streampulse/core/error.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <unordered_set>

namespace streampulse::redis {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using store::awaitable;
using store::result;

using detail::error;

namespace {

// Error replies that say the command did not run. After READONLY (Sentinel) and MOVED the
// connection reconnects to the right server, where the retry goes; ASK (a slot migrating) is
// not followed: the retry may find the migration over (docs/redis.md, Cluster).
bool not_run(std::string_view kind) {
  return kind == "LOADING" || kind == "READONLY" || kind == "MASTERDOWN" || kind == "TRYAGAIN" ||
         kind == "BUSY" || kind == "MOVED" || kind == "ASK";
}

// Commands that always write (Redis refuses them with -OOM when full under noeviction). A
// script may or may not write, so its success says nothing about memory.
bool writes(std::string_view command) {
  return command == "ZADD" || command == "HSET" || command == "SET" || command == "XADD";
}

}  // namespace

void RedisStore::Impl::note_oom(const std::string& reply) {
  ++refused_oom;
  if (out_of_memory.exchange(true)) return;
  // A Redis hovering at its limit may refuse and accept in turns: one pair of lines a minute.
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  const auto last = oom_logged_at.load();
  const bool quiet =
      last != 0 &&
      now - last < std::chrono::steady_clock::duration(std::chrono::minutes(1)).count();
  oom_logged = !quiet;
  if (quiet) {
    spdlog::debug("redis refuses writes again: {}", reply);
    return;
  }
  oom_logged_at = now;
  spdlog::error(
      "redis refuses writes: {} (maxmemory reached under noeviction: heartbeats and publishes "
      "are answered 503 backend_full until memory is freed or maxmemory raised; reads go on)",
      reply);
}

void RedisStore::Impl::note_written() {
  if (!out_of_memory.exchange(false)) return;
  if (oom_logged) {
    spdlog::info("redis accepts writes again");
  } else {
    spdlog::debug("redis accepts writes again");
  }
}

RedisStore::Impl::Impl(asio::any_io_executor ex, const core::Clock& c, Options connection,
                       StoreSettings s)
    : executor(ex),
      clock(c),
      settings(std::move(s)),
      commands(ex, connection),
      blocking(ex, connection),
      topics(ex, c,
             embedded::Limits{settings.topic_history, settings.max_topics,
                              settings.max_message_bytes, settings.max_waiting_polls}),
      prefix("{" + settings.cache + "}:"),
      media_prefix("{" + settings.cache + ":media}:o:"),
      mirror_idle(ex) {}

std::optional<Command> RedisStore::Impl::ttl_command(const std::string& k,
                                                     store::CollectionTtl ttl) {
  if (ttl.refresh && ttl.ttl >= std::chrono::seconds(10)) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(ttl_mutex);
    auto [it, added] = refreshed.try_emplace(k, now);
    if (!added) {
      if (now - it->second < std::chrono::seconds(1)) return std::nullopt;
      it->second = now;
    }
  }
  Command cmd{"PEXPIRE", k, std::to_string(std::max<std::int64_t>(1, ttl.ttl.count()))};
  // NX: only a collection without an expiry (a new one: every collection here has one)
  // takes it; an existing one keeps its own (Momento's refresh_ttl = false).
  if (!ttl.refresh) cmd.push_back("NX");
  return cmd;
}

awaitable<result<std::vector<Reply>>> RedisStore::Impl::call(std::vector<Command> cmds,
                                                             bool idempotent) {
  const auto deadline = std::chrono::steady_clock::now() + settings.budget;
  const bool plain_write = !cmds.empty() && !cmds.front().empty() && writes(cmds.front().front());
  // Why the first attempt failed: the answer when the budget is gone before a second one (Redis
  // down: unavailable, a 503, not a 504 for a call that only waited for the connection).
  boost::system::error_code first_failure = error(errc::deadline_exceeded);
  for (int attempt = 0;; ++attempt) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds(0)) co_return first_failure;
    const bool last = attempt > 0;
    // A named copy (the first attempt keeps `cmds` for a retry): GCC 12 mishandles temporaries
    // made inside a co_await's arguments.
    std::vector<Command> attempt_cmds = last ? std::move(cmds) : cmds;
    commands_sent += attempt_cmds.size();
    auto sent = co_await commands.exec(std::move(attempt_cmds), left);
    if (!sent) {
      const CallError& e = sent.error();
      if (!last && e.code != errc::resource_exhausted && (!e.maybe_executed || idempotent)) {
        first_failure = e.code;
        ++retries;
        continue;
      }
      co_return e.code;
    }
    bool retry = false;
    for (const Reply& r : *sent) {
      if (!r.is_error()) continue;
      const auto kind = r.error_kind();
      if (kind == "NOSCRIPT") continue;  // the caller sends the script itself (EVAL)
      if (not_run(kind) && !last) {
        first_failure = error(errc::unavailable);
        retry = true;
        break;
      }
      if (kind == "OOM") {
        note_oom(r.str);
        co_return error(errc::backend_full);
      }
      spdlog::debug("redis answered an error: {}", r.str);
      co_return error(not_run(kind) ? errc::unavailable : errc::internal);
    }
    if (!retry) {
      if (plain_write && out_of_memory.load(std::memory_order_relaxed)) note_written();
      co_return std::move(*sent);
    }
    ++retries;
  }
}

RedisStore::RedisStore(asio::any_io_executor executor, const core::Clock& clock, Options connection,
                       StoreSettings settings)
    : impl_(std::make_shared<Impl>(executor, clock, std::move(connection), std::move(settings))) {}

RedisStore::~RedisStore() {
  impl_->stopped = true;
  impl_->topics.shutdown();
  impl_->commands.stop();
  impl_->blocking.stop();
}

void RedisStore::start() {
  impl_->commands.start();
  impl_->blocking.start();
  asio::co_spawn(
      impl_->executor, [impl = impl_]() { return impl->run_mirror(); }, asio::detached);
}

// ---- health, shared settings ----

awaitable<result<void>> RedisStore::ping() {
  if (impl_->stopped) co_return error(errc::unavailable);
  if (!impl_->blocking.figures().connected) co_return error(errc::unavailable);
  std::vector<Command> cmds{Command{"PING"}};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  co_return result<void>{};
}

void RedisStore::shutdown() {
  // Long-polls answer now and the mirror stops; the command connection stays for the last
  // calls of a graceful stop (leaving the count duty) until the store is destroyed.
  impl_->stopped = true;
  impl_->topics.shutdown();
  impl_->blocking.stop();
  asio::post(impl_->executor, [impl = impl_] { impl->mirror_idle.cancel(); });
}

void RedisStore::close() {
  shutdown();
  impl_->commands.stop();
}

awaitable<result<std::string>> RedisStore::shared_token_key(std::string candidate) {
  if (candidate.size() < 32) co_return error(errc::invalid_argument);
  const std::string k = impl_->prefix + "token-key";
  std::vector<Command> cmds{Command{"SET", k, std::move(candidate), "NX"}, Command{"GET", k}};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  const Reply& got = (*done)[1];
  if (got.type != Reply::Type::string || got.str.size() < 32) co_return error(errc::internal);
  co_return got.str;
}

awaitable<result<std::pair<std::string, std::string>>> RedisStore::server_info() {
  std::vector<Command> cmds{Command{"INFO", "server"}, Command{"INFO", "memory"}};
  auto done = co_await impl_->call(std::move(cmds), true);
  if (!done) co_return done.error();
  auto field = [](const std::string& text, std::string_view name) {
    const auto at = text.find(std::string(name) + ":");
    if (at == std::string::npos) return std::string();
    const auto start = at + name.size() + 1;
    return text.substr(start, text.find_first_of("\r\n", start) - start);
  };
  co_return std::pair{field((*done)[1].str, "maxmemory_policy"),
                      field((*done)[0].str, "redis_version")};
}

StoreFigures RedisStore::figures() const {
  StoreFigures f;
  f.commands = impl_->commands.figures();
  f.mirror = impl_->blocking.figures();
  {
    std::lock_guard lock(impl_->mutex);
    f.topics_mirrored = impl_->mirrored.size();
  }
  f.retries = impl_->retries;
  f.commands_sent = impl_->commands_sent;
  f.refused_oom = impl_->refused_oom;
  return f;
}

}  // namespace streampulse::redis
