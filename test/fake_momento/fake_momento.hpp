#pragma once
// A fake of Momento's data plane for tests and benchmarks, speaking the real wire formats
// (docs/momento.md §11; the webhook: docs/formats.md) on one loopback port: gRPC-Web
// cache_client.Scs and Pubsub/Publish, the token service, the HTTP API (topics long-poll, cache
// scalars), webhook delivery, and injectable faults. State lives in an embedded::EmbeddedStore.
//
// Threading: the fake runs its own io_context on its own thread; every public method may be
// called from any other thread (each posts to the fake's thread and waits).
#include "streampulse/store/store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace streampulse::testing {

struct FakeMomentoOptions {
  std::string listen_host = "127.0.0.1";
  unsigned short port = 0;  // 0: ephemeral
  std::string cache = "video";
  // The inner api_key the service authenticates with (the v1 wrapper of it is accepted too).
  std::string api_key = "fake-service-key";
  std::chrono::milliseconds long_poll_hold{5000};  // HTTP API long-poll answers {"items":[]} after
  std::string webhook_url;                         // empty: no webhook deliveries
  std::string webhook_secret;
  std::string webhook_topic = "stream";
  std::size_t max_item_bytes = 5 * 1024 * 1024;  // dictionary total / scalar value (Momento: 5 MB)
  std::size_t max_scalar_total_bytes = 256 * 1024 * 1024;  // all scalars together
  std::size_t max_topic_message_bytes = 4096;              // Momento's topic payload limit
  std::size_t max_webhooks_in_flight = 256;                // beyond: dropped and counted
};

// Applied to every request whose path starts with path_prefix (never to /_fake/...), in order:
// sleep `latency`, then reset, else hang, else answer fail_status.
struct Faults {
  std::chrono::milliseconds latency{0};
  // HTTP API routes answer this status. gRPC-Web routes answer HTTP 200 trailers-only with the
  // gRPC status Momento's server would send (429 -> RESOURCE_EXHAUSTED with
  // err=operations_rate_limit_exceeded, 500 -> INTERNAL, 503 -> UNAVAILABLE, 504 ->
  // DEADLINE_EXCEEDED, others by grpc-web's HTTP mapping): Momento's errors come from its gRPC
  // server, so a gRPC-Web client sees them as statuses, not as HTTP statuses.
  int fail_status = 0;
  // -1: every matching request while set; n > 0: the next n matching requests, then every
  // fault (latency included) is cleared.
  int fail_count = -1;
  bool reset = false;       // close the connection (RST) without answering
  bool hang = false;        // never answer; hold until the client closes or the fake stops
  std::string path_prefix;  // empty: every path
  std::string message;      // gRPC-Web: grpc-message of the failed answer (empty: a default)
};

struct WebhookStats {
  std::uint64_t delivered = 0;  // 2xx answers
  std::uint64_t failed = 0;     // transport errors and non-2xx answers
  std::uint64_t dropped = 0;    // over max_webhooks_in_flight
};

class FakeMomento {
 public:
  // Listens and starts serving; throws std::runtime_error when it cannot listen.
  explicit FakeMomento(FakeMomentoOptions options = {});
  ~FakeMomento();
  FakeMomento(const FakeMomento&) = delete;
  FakeMomento& operator=(const FakeMomento&) = delete;

  unsigned short port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>"
  // base64 of {"endpoint":"127.0.0.1","api_key":<api_key>}: what MOMENTO_API_KEY is set to.
  std::string v1_api_key() const;
  const FakeMomentoOptions& options() const;

  void set_faults(Faults faults);
  void clear_faults();

  // Snapshots of the state (taken on the fake's thread).
  std::vector<store::ScoredMember> sorted_set(const std::string& name);  // ascending by score
  std::vector<store::FieldValue> dictionary(const std::string& name);    // sorted by field
  std::vector<std::string> published(const std::string& topic);          // in order, last 10k
  // By "METHOD path" (no query), e.g. "POST /cache_client.Scs/SortedSetPut",
  // "POST /topics/video/viewerCount", "GET /topics/video/stream". /_fake requests not counted.
  std::map<std::string, std::uint64_t> request_counts();
  WebhookStats webhook_stats();

  // Stops serving (closes every connection, wakes long-polls) and joins the thread. Idempotent.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace streampulse::testing
