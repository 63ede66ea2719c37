#pragma once
// Between the store port's types and Momento's protobuf messages (docs/momento.md §11.5,
// §11.6): builders produce request messages the way the SDKs fill them; readers parse
// response bytes into port types. Pure; serialize with SerializeAsString() and frame with
// grpc_web::encode_request_body().
#include "streampulse/store/store.hpp"

#include "momento_proto/cacheclient.pb.h"
#include "momento_proto/cachepubsub.pb.h"
#include "momento_proto/token.pb.h"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::momento {

using boost::system::result;

// ---- sorted sets (/cache_client.Scs/SortedSet*) ----

cache_client::_SortedSetPutRequest make_sorted_set_put(
    std::string_view set, const std::vector<store::ScoredMember>& elements,
    store::CollectionTtl ttl);
// As the SDKs' fetchByScore: with scores, ascending, inclusive bounds (_Unbounded where the
// range has none), offset 0, count = limit or -1. A limit of 0 is sent as count 0; callers
// that mean "nothing" should not call at all.
cache_client::_SortedSetFetchRequest make_sorted_set_fetch_by_score(
    std::string_view set, const store::ScoreRange& range, std::optional<std::uint32_t> limit);
cache_client::_SortedSetLengthByScoreRequest make_sorted_set_length_by_score(
    std::string_view set, const store::ScoreRange& range);
cache_client::_SortedSetRemoveRequest make_sorted_set_remove(
    std::string_view set, const std::vector<std::string>& values);

// Missing set -> empty. A scoreless `values` answer reads as score 0.
result<std::vector<store::ScoredMember>> read_sorted_set_fetch(std::string_view bytes);
// Missing set -> 0.
result<std::uint64_t> read_sorted_set_length_by_score(std::string_view bytes);

// ---- dictionaries (/cache_client.Scs/Dictionary*) ----

cache_client::_DictionarySetRequest make_dictionary_set(std::string_view dictionary,
                                                        const std::vector<store::FieldValue>& items,
                                                        store::CollectionTtl ttl);
cache_client::_DictionaryFetchRequest make_dictionary_fetch(std::string_view dictionary);
cache_client::_DictionaryGetRequest make_dictionary_get(std::string_view dictionary,
                                                        const std::vector<std::string>& fields);
cache_client::_DictionaryLengthRequest make_dictionary_length(std::string_view dictionary);
// Deletes some fields (never `all`).
cache_client::_DictionaryDeleteRequest make_dictionary_delete(
    std::string_view dictionary, const std::vector<std::string>& fields);

// Missing dictionary -> empty.
result<std::vector<store::FieldValue>> read_dictionary_fetch(std::string_view bytes);
// One entry per requested field (`field_count` of them), nullopt where Momento says Miss; a
// missing dictionary -> all nullopt. A count mismatch is errc::internal.
result<std::vector<std::optional<std::string>>> read_dictionary_get(std::string_view bytes,
                                                                    std::size_t field_count);
// Missing dictionary -> 0.
result<std::uint64_t> read_dictionary_length(std::string_view bytes);

// ---- topics (/cache_client.pubsub.Pubsub/*) ----

cache_client::pubsub::_PublishRequest make_publish(std::string_view cache, std::string_view topic,
                                                   const store::TopicValue& value);
cache_client::pubsub::_SubscriptionRequest make_subscribe(std::string_view cache,
                                                          std::string_view topic,
                                                          store::SubscribePosition from);
// An item or a discontinuity; nullopt for a heartbeat (or a kind this code does not know).
result<std::optional<store::SubscriptionEvent>> read_subscription_item(std::string_view bytes);

// ---- disposable tokens (/token.Token/GenerateDisposableToken) ----

// A viewer's token: publish-only on the heartbeat topic, subscribe-only on the count topic,
// both in `cache` (explicit permissions, selected by name).
struct ViewerTokenRequest {
  std::string_view auth_token{};  // the service's credential (Credentials::auth_token)
  std::string_view cache{};
  std::string_view heartbeat_topic{};
  std::string_view count_topic{};
  std::chrono::seconds valid_for{900};  // Momento allows at most 25 h
  std::string_view token_id{};          // empty: none; else the viewer's publisher_id
};
token::_GenerateDisposableTokenRequest make_generate_disposable_token(
    const ViewerTokenRequest& request);

struct DisposableToken {
  std::string api_key;
  std::string endpoint;           // base host
  std::uint64_t valid_until = 0;  // epoch seconds
};
// api_key and endpoint must be present (errc::internal otherwise).
result<DisposableToken> read_generate_disposable_token(std::string_view bytes);

// What the SDKs hand to browsers: standard base64 of {"endpoint":...,"api_key":...}.
std::string browser_token(const DisposableToken& token);

}  // namespace streampulse::momento
