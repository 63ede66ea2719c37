#pragma once
// The store port on Redis or Valkey (7.0+ / 7.2+): any number of streampulse instances share
// one audience through it. The data model is Momento's (docs/redis.md, "Keys"):
//   sorted set  -> ZSET  {cache}:z:<name>
//   dictionary  -> HASH  {cache}:h:<name>
//   topic       -> STREAM {cache}:t:<name>, entry id <page>-<sequence>: Redis hands out
//                  Momento's sequence numbers, so a subscriber resumes on any instance
//   object      -> STRING {cache:media}:o:<key>
// Every key of one cache carries one hash tag, so Redis Cluster keeps them in one slot.
//
// Collection TTLs follow Momento's CollectionTtl: a write is followed, in the same pipelined
// round trip, by PEXPIRE (refresh) or PEXPIRE ... NX (keep an existing expiry).
//
// Topics: a publish is one script call (XADD with the next number of the stream's page; a new
// stream, or one that lost entries a subscriber saw, starts a new page). Long-polls never reach
// Redis: each instance mirrors the topics its clients read with one blocking XREAD on its own
// connection, and answers their polls from memory (the embedded topics' waiters), so Redis
// sees one blocked reader per instance however many viewers there are.
//
// Calls: one budget each (StoreSettings::budget); a call that failed before its command ran,
// or an idempotent one, is tried once more within the budget; a publish never is.
#include "streampulse/core/clock.hpp"
#include "streampulse/redis/client.hpp"
#include "streampulse/store/store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace streampulse::redis {

struct StoreSettings {
  std::string cache = "video";
  // This instance, named in what it publishes (store::TopicItem::origin).
  std::string instance_id;
  std::chrono::milliseconds budget{1000};  // one call, its retry included
  std::size_t topic_history = 256;         // entries kept per topic (MAXLEN ~) and mirrored
  std::chrono::milliseconds topic_ttl = std::chrono::hours(24);  // a silent topic's lifetime
  std::size_t max_topics = 1024;                                 // topics mirrored at once
  std::size_t max_waiting_polls = 1024;          // long-polls waiting at once on this instance
  std::size_t max_message_bytes = 4096;          // Momento's topic payload limit
  std::chrono::milliseconds mirror_block{1000};  // XREAD BLOCK: how soon a new topic joins
};

struct StoreFigures {
  ConnectionFigures commands;  // the pipelined connection
  ConnectionFigures mirror;    // the blocking reader's
  std::size_t topics_mirrored = 0;
  std::uint64_t retries = 0;
  std::uint64_t commands_sent = 0;  // by this instance, both connections, retries included
  std::uint64_t refused_oom = 0;    // calls Redis refused with -OOM (maxmemory, noeviction)
};

class RedisStore final : public store::Store, public store::ObjectStore {
 public:
  // `connection`: where Redis is; both connections (commands, mirror) use it.
  RedisStore(boost::asio::any_io_executor executor, const core::Clock& clock, Options connection,
             StoreSettings settings);
  ~RedisStore() override;

  // Connects (and keeps reconnecting) and starts the mirror. Call once, before use.
  void start();

  store::awaitable<store::result<void>> sorted_set_put(std::string_view set,
                                                       std::vector<store::ScoredMember> elements,
                                                       store::CollectionTtl ttl) override;
  store::awaitable<store::result<std::vector<store::ScoredMember>>> sorted_set_fetch_by_score(
      std::string_view set, store::ScoreRange range, std::optional<std::uint32_t> limit) override;
  store::awaitable<store::result<std::uint64_t>> sorted_set_length_by_score(
      std::string_view set, store::ScoreRange range) override;
  store::awaitable<store::result<void>> sorted_set_remove(std::string_view set,
                                                          std::vector<std::string> values) override;

  store::awaitable<store::result<void>> dictionary_set(std::string_view dictionary,
                                                       std::vector<store::FieldValue> items,
                                                       store::CollectionTtl ttl) override;
  store::awaitable<store::result<std::vector<store::FieldValue>>> dictionary_fetch(
      std::string_view dictionary) override;
  store::awaitable<store::result<std::vector<std::optional<std::string>>>> dictionary_get(
      std::string_view dictionary, std::vector<std::string> fields) override;
  store::awaitable<store::result<std::uint64_t>> dictionary_length(
      std::string_view dictionary) override;
  store::awaitable<store::result<void>> dictionary_remove(std::string_view dictionary,
                                                          std::vector<std::string> fields) override;

  store::awaitable<store::result<void>> topic_publish(std::string_view topic,
                                                      store::TopicValue value,
                                                      std::string publisher_id) override;
  store::awaitable<store::result<std::vector<store::SubscriptionEvent>>> topic_poll(
      std::string_view topic, store::SubscribePosition from,
      std::chrono::milliseconds max_wait) override;

  // Both connections up and Redis answering PING.
  store::awaitable<store::result<void>> ping() override;
  void shutdown() override;

  store::awaitable<store::result<std::optional<std::string>>> object_get(
      std::string_view key) override;
  store::awaitable<store::result<void>> object_put(std::string_view key, std::string bytes,
                                                   std::chrono::seconds ttl) override;

  // The key every instance signs viewer tokens with when none is configured: `candidate` (a
  // random key, or the one this instance uses) if Redis holds none yet (SET NX), else the one it
  // holds. Asked again now and then, so a Redis that lost the key gets the instances' back.
  store::awaitable<store::result<std::string>> shared_token_key(std::string candidate);
  // A lease on Redis's clock (the viewer-count duty): taken when free, renewed when `holder`
  // holds it, for `ttl` either way. True: `holder` holds it now. Idempotent, so safe to retry.
  store::awaitable<store::result<bool>> hold_lease(std::string_view name, std::string holder,
                                                   std::chrono::milliseconds ttl);
  // Gives the lease up if `holder` holds it (a graceful stop: the next holder need not wait
  // for it to expire).
  store::awaitable<store::result<void>> release_lease(std::string_view name, std::string holder);
  // Redis's maxmemory-policy (INFO memory) and version (INFO server), for the start-up log.
  store::awaitable<store::result<std::pair<std::string, std::string>>> server_info();

  // Closes the command connection too (after shutdown(), once the last calls are done): the
  // executor then has nothing of this store's left to run.
  void close();

  StoreFigures figures() const;  // any thread

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace streampulse::redis
