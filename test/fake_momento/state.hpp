#pragma once
// The fake's state, owned by its io_context thread (no locks): the embedded store behind the
// collections and topics, scalars, tokens, faults, counters. Private to test/fake_momento.
#include "fake_momento.hpp"
#include "faults.hpp"
#include "scalars.hpp"
#include "token_service.hpp"
#include "webhook_sender.hpp"

#include "streampulse/core/clock.hpp"
#include "streampulse/embedded/embedded_store.hpp"
#include "streampulse/http/router.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <deque>
#include <map>
#include <string>
#include <unordered_map>

namespace streampulse::testing::fake {

inline constexpr std::size_t kPublishedKept = 10'000;

struct State {
  State(boost::asio::any_io_executor ex, FakeMomentoOptions o);

  FakeMomentoOptions options;
  boost::asio::any_io_executor executor;
  core::SystemClock clock;
  embedded::EmbeddedStore store;
  TokenService tokens;
  FaultState faults;
  ScalarStore scalars;
  WebhookSender webhook;
  std::map<std::string, std::uint64_t> request_counts;
  std::map<std::string, std::deque<std::string>, std::less<>> published;
  // Bytes (fields + values) per dictionary, for the item size limit. Reset when the store no
  // longer has the dictionary (expired or emptied).
  std::unordered_map<std::string, std::size_t> dictionary_bytes;
  bool stopping = false;

  // Does this credential (inner key or v1 wrapper) name the service's key?
  bool is_service_key(std::string_view credential) const;

  // Publishes on a topic, remembers the text and hands it to the webhook when it is the
  // webhook's topic. Errors are the store's (payload_too_large...).
  boost::asio::awaitable<store::result<void>> publish(std::string topic, store::TopicValue value,
                                                      std::string publisher_id);
};

// The inner api_key of a v1 wrapper (base64 of {"endpoint","api_key"}), or the text itself.
std::string unwrap_credential(std::string_view credential);

// Every route of the fake.
void add_grpc_routes(http::Router& router, State& state);
void add_topic_routes(http::Router& router, State& state);
void add_cache_routes(http::Router& router, State& state);
void add_control_routes(http::Router& router, State& state);

}  // namespace streampulse::testing::fake
