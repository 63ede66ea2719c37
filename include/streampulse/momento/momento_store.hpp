#pragma once
// The Momento adapter of the store port: collections over gRPC-Web (web.cache.<base>), topics
// and scalars over the HTTP API (api.cache.<base>), viewer tokens from the token service
// (web.token.<base>). Every call has a budget; idempotent calls are retried on transient
// failures, publishes and increments never; throttling comes back at once as
// errc::resource_exhausted.
//
// Runs on the service's one thread (not thread-safe, like net::HttpClient).
#include "streampulse/momento/call_policy.hpp"
#include "streampulse/momento/credentials.hpp"
#include "streampulse/momento/grpc_web.hpp"
#include "streampulse/store/store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace streampulse::momento {

struct MomentoSettings {
  Credentials credentials;
  std::string cache;
  grpc_web::Mode mode = grpc_web::Mode::text;
  CallPolicy policy;
  std::size_t max_connections_per_host = 32;
  std::string extra_ca_file;  // a private proxy's CA (tests); the system store is always used
};

// What the adapter has done, for /metrics.
struct BackendCounters {
  std::uint64_t calls = 0;
  std::uint64_t failures = 0;
  std::uint64_t retries = 0;
  std::uint64_t throttled = 0;
};

class MomentoStore final : public store::Store {
 public:
  MomentoStore(boost::asio::any_io_executor ex, MomentoSettings settings);
  ~MomentoStore() override;

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
  store::awaitable<store::result<void>> ping() override;
  void shutdown() override;

  // Cache scalars (HTTP API): media objects and small shared values. nullopt: no such key.
  store::awaitable<store::result<std::optional<std::string>>> scalar_get(std::string_view key);
  store::awaitable<store::result<void>> scalar_set(std::string_view key, std::string value,
                                                   std::chrono::seconds ttl);
  store::awaitable<store::result<void>> scalar_delete(std::string_view key);

  // A disposable token for a viewer (GenerateDisposableToken on the token service).
  // token_id: Momento's token_id of the token (the player id), reported as the webhook event's
  // token_id and the topic item's publisher_id.
  store::awaitable<store::result<store::ViewerToken>> viewer_token(std::string_view heartbeat_topic,
                                                                   std::string_view count_topic,
                                                                   std::chrono::seconds valid_for,
                                                                   std::string token_id);

  BackendCounters counters() const;
  const MomentoSettings& settings() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The port's TokenVendor on Momento: delegates to MomentoStore::viewer_token.
class MomentoTokenVendor final : public store::TokenVendor {
 public:
  explicit MomentoTokenVendor(MomentoStore& store) : store_(store) {}
  store::awaitable<store::result<store::ViewerToken>> vend_viewer_token(
      std::string_view heartbeat_topic, std::string_view count_topic,
      std::chrono::seconds valid_for, std::string token_id) override {
    return store_.viewer_token(heartbeat_topic, count_topic, valid_for, std::move(token_id));
  }

 private:
  MomentoStore& store_;
};

// The port's ObjectStore on Momento: cache scalars over the HTTP API.
class MomentoObjects final : public store::ObjectStore {
 public:
  explicit MomentoObjects(MomentoStore& store) : store_(store) {}
  store::awaitable<store::result<std::optional<std::string>>> object_get(
      std::string_view key) override {
    return store_.scalar_get(key);
  }
  store::awaitable<store::result<void>> object_put(std::string_view key, std::string bytes,
                                                   std::chrono::seconds ttl) override {
    return store_.scalar_set(key, std::move(bytes), ttl);
  }

 private:
  MomentoStore& store_;
};

}  // namespace streampulse::momento
