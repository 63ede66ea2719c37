#pragma once
// RedisStore's insides, private to src/redis: redis_store.cpp (calls), redis_collections.cpp
// (sorted sets, dictionaries, objects), redis_topics.cpp (publish, leases), redis_mirror.cpp.
#include "streampulse/core/error.hpp"
#include "streampulse/embedded/embedded_store.hpp"
#include "streampulse/redis/redis_store.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <map>
#include <mutex>

namespace streampulse::redis::detail {

inline boost::system::error_code error(errc e) { return make_error_code(e); }

// "12-3" -> {page 12, sequence 3}; nullopt when it is not such an id.
std::optional<store::SubscribePosition> parse_entry_id(std::string_view id);

// Stream entries ([id, [field, value, ...]] as XRANGE and XREAD give them) as topic items.
std::vector<store::TopicItem> items_of(const Reply& entries);

}  // namespace streampulse::redis::detail

namespace streampulse::redis {

struct RedisStore::Impl : std::enable_shared_from_this<Impl> {
  Impl(boost::asio::any_io_executor ex, const core::Clock& c, Options connection, StoreSettings s);

  boost::asio::any_io_executor executor;
  const core::Clock& clock;
  StoreSettings settings;
  Connection commands;  // pipelined: every call but the mirror's
  Connection blocking;  // the mirror's XREAD BLOCK, alone on its connection
  // The local side of the topics: history and waiting long-polls, fed by the mirror.
  embedded::EmbeddedStore topics;
  std::string prefix;        // "{cache}:"
  std::string media_prefix;  // "{cache:media}:o:"

  // The topics mirrored, with the id of the last entry this instance holds ("0-0": none).
  std::mutex mutex;
  std::map<std::string, std::string, std::less<>> mirrored;
  boost::asio::steady_timer mirror_idle;  // the mirror's pause while nothing is mirrored
  std::atomic<bool> stopped = false;
  std::atomic<std::uint64_t> retries = 0;
  std::atomic<std::uint64_t> commands_sent = 0;
  std::atomic<std::uint64_t> refused_oom = 0;
  // Redis answers writes with -OOM: set (and logged) at the first refusal, cleared (and logged)
  // at the next plain write that succeeds, so an episode is two log lines whatever the traffic.
  std::atomic<bool> out_of_memory = false;
  std::atomic<bool> oom_logged = false;         // this episode's start was logged
  std::atomic<std::int64_t> oom_logged_at = 0;  // steady clock ticks; 0: never
  void note_oom(const std::string& reply);
  void note_written();

  // When each collection's TTL was last refreshed by this instance (see ttl_command()).
  std::mutex ttl_mutex;
  std::map<std::string, std::chrono::steady_clock::time_point, std::less<>> refreshed;
  // The PEXPIRE that follows a write to `key`, or nothing: a refreshing TTL of 10 s or more
  // set by this instance within the last second is left as it is (a heartbeat's two writes
  // are then one command each: the TTL is the retention plus minutes, so a refresh a second
  // older changes nothing). A non-refreshing TTL (NX) is sent every time.
  std::optional<Command> ttl_command(const std::string& key, store::CollectionTtl ttl);

  std::string key(char kind, std::string_view name) const {
    std::string k = prefix;
    k += kind;
    k += ':';
    k += name;
    return k;
  }

  // Sends `commands` within the budget; tried once more when the first attempt failed before
  // running, or (idempotent) whatever happened. Error replies that mean "not run" (LOADING,
  // READONLY, MASTERDOWN, TRYAGAIN, BUSY, MOVED, ASK) are retried like a refused connection;
  // OOM is backend_full (not retried: memory is not freed within a budget); any other error
  // reply is internal.
  store::awaitable<store::result<std::vector<Reply>>> call(std::vector<Command> commands,
                                                           bool idempotent);

  // EVALSHA of `script` (its SHA-1 computed once), EVAL when Redis's script cache lost it
  // (NOSCRIPT: not run, so sending it again is safe). `idempotent` as for call().
  store::awaitable<store::result<Reply>> eval(const char* script, std::vector<std::string> keys,
                                              std::vector<std::string> args, bool idempotent);
  std::mutex sha_mutex;
  std::map<const char*, std::string> shas;

  // Adds `topic` to the mirror (its retained entries read now); false past max_topics.
  store::awaitable<store::result<void>> mirror_topic(const std::string& topic);
  store::awaitable<void> run_mirror();
};

}  // namespace streampulse::redis
