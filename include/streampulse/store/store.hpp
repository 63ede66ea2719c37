#pragma once
// The store port: the few operations the core needs, shaped after Momento's sorted sets,
// dictionaries and topics. Two adapters implement it: embedded/ (in-process) and momento/.
//
// Every operation runs in the namespace of one cache (STREAMPULSE_CACHE), fixed when the
// store is built. Operations return errors as values; they never throw for expected
// failures (missing collection, bad input, backend down).
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streampulse::store {

using boost::asio::awaitable;
using boost::system::result;

// Momento's CollectionTtl: the TTL applies to the whole collection. With refresh, each write
// resets it; without, an existing collection keeps its expiry (a new one still gets ttl).
struct CollectionTtl {
  std::chrono::milliseconds ttl;
  bool refresh = true;
};

struct ScoredMember {
  std::string value;
  double score = 0;
  friend bool operator==(const ScoredMember&, const ScoredMember&) = default;
};

// Inclusive bounds; nullopt means unbounded on that side.
struct ScoreRange {
  std::optional<double> min;
  std::optional<double> max;
};

struct FieldValue {
  std::string field;
  std::string value;
  friend bool operator==(const FieldValue&, const FieldValue&) = default;
};

// ---- topics (Momento Topics semantics) ----

struct TopicValue {
  bool binary = false;  // false: UTF-8 text; true: raw bytes
  std::string data;
};

struct TopicItem {
  std::uint64_t topic_sequence_number = 0;
  std::uint64_t sequence_page = 0;
  TopicValue value;
  std::string publisher_id;  // token id of the publisher, may be empty
  // The instance that published it, where the backend says (Redis); empty elsewhere.
  std::string origin;
};

// "Some messages were skipped": resume at new_topic_sequence on new_sequence_page.
struct Discontinuity {
  std::uint64_t last_topic_sequence = 0;
  std::uint64_t new_topic_sequence = 0;
  std::uint64_t new_sequence_page = 0;
};

using SubscriptionEvent = std::variant<TopicItem, Discontinuity>;

// Where a subscriber resumes: the next sequence number it expects and the page it is on.
// {0, 0} means "from now on".
struct SubscribePosition {
  std::uint64_t sequence_number = 0;
  std::uint64_t sequence_page = 0;
};

// What a subscriber should send next after receiving `events` (Momento's resume rule).
SubscribePosition next_position(SubscribePosition from,
                                const std::vector<SubscriptionEvent>& events);

class Store {
 public:
  virtual ~Store() = default;

  // ---- sorted sets ----
  // Puts (or re-scores) elements; creates the set if missing.
  virtual awaitable<result<void>> sorted_set_put(std::string_view set,
                                                 std::vector<ScoredMember> elements,
                                                 CollectionTtl ttl) = 0;
  // Elements with scores in range, ascending by score; at most `limit` when given.
  virtual awaitable<result<std::vector<ScoredMember>>> sorted_set_fetch_by_score(
      std::string_view set, ScoreRange range, std::optional<std::uint32_t> limit) = 0;
  // Number of elements with scores in range (0 for a missing set).
  virtual awaitable<result<std::uint64_t>> sorted_set_length_by_score(std::string_view set,
                                                                      ScoreRange range) = 0;
  virtual awaitable<result<void>> sorted_set_remove(std::string_view set,
                                                    std::vector<std::string> values) = 0;

  // ---- dictionaries ----
  virtual awaitable<result<void>> dictionary_set(std::string_view dictionary,
                                                 std::vector<FieldValue> items,
                                                 CollectionTtl ttl) = 0;
  // Every field (empty for a missing dictionary).
  virtual awaitable<result<std::vector<FieldValue>>> dictionary_fetch(
      std::string_view dictionary) = 0;
  // One entry per requested field, in order; nullopt for a field that is not there.
  virtual awaitable<result<std::vector<std::optional<std::string>>>> dictionary_get(
      std::string_view dictionary, std::vector<std::string> fields) = 0;
  virtual awaitable<result<std::uint64_t>> dictionary_length(std::string_view dictionary) = 0;
  virtual awaitable<result<void>> dictionary_remove(std::string_view dictionary,
                                                    std::vector<std::string> fields) = 0;

  // ---- topics ----
  virtual awaitable<result<void>> topic_publish(std::string_view topic, TopicValue value,
                                                std::string publisher_id = {}) = 0;
  // Long-poll: waits up to max_wait for at least one event after `from`. An empty vector
  // means the wait ran out (or the store is shutting down); call again.
  virtual awaitable<result<std::vector<SubscriptionEvent>>> topic_poll(
      std::string_view topic, SubscribePosition from, std::chrono::milliseconds max_wait) = 0;

  // ---- health ----
  // Succeeds when the backend answers.
  virtual awaitable<result<void>> ping() = 0;
  // Wakes every waiting poll so the process can stop.
  virtual void shutdown() = 0;
};

// Momento's topic payload limit, which every backend keeps.
inline constexpr std::size_t kMaxTopicMessageBytes = 4096;

// Topics that publish at once from any thread, without a coroutine: the embedded backend's
// in-process topics, which its topics API (api/topics.cpp) publishes to.
class ImmediateTopics {
 public:
  virtual ~ImmediateTopics() = default;
  // topic_publish at once, from any thread: the message's sequence number.
  virtual result<std::uint64_t> publish_now(std::string_view topic, TopicValue value,
                                            std::string publisher_id) = 0;
};

// Named byte objects with a TTL (Momento cache scalars): where /media/ objects live beyond one
// process on the Momento backend.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // nullopt: no such object.
  virtual awaitable<result<std::optional<std::string>>> object_get(std::string_view key) = 0;
  virtual awaitable<result<void>> object_put(std::string_view key, std::string bytes,
                                             std::chrono::seconds ttl) = 0;
};

// What a viewer's browser is given to talk to the topics directly.
struct ViewerToken {
  std::string token;
  std::int64_t expires_at_ms = 0;
  std::string topics_base_url;  // empty: the service's own origin (embedded backend)
};

// Hands out short-lived tokens scoped to "publish on heartbeat topic, subscribe on count topic".
// `token_id` (1 to 64 characters) is carried by the token and reported with everything it
// publishes (TopicItem::publisher_id, a webhook event's token_id): the service issues the
// player id as the token id (core/player_bindings.hpp).
class TokenVendor {
 public:
  virtual ~TokenVendor() = default;
  virtual awaitable<result<ViewerToken>> vend_viewer_token(std::string_view heartbeat_topic,
                                                           std::string_view count_topic,
                                                           std::chrono::seconds valid_for,
                                                           std::string token_id) = 0;
};

}  // namespace streampulse::store
