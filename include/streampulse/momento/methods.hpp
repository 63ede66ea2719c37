#pragma once
// gRPC method paths of the Momento services streampulse calls (package names are part of them).
#include <string_view>

namespace streampulse::momento::methods {

// cache_client.Scs, on cache.<base> / web.cache.<base>; needs the `cache` header.
inline constexpr std::string_view kGet = "/cache_client.Scs/Get";
inline constexpr std::string_view kSet = "/cache_client.Scs/Set";
inline constexpr std::string_view kDelete = "/cache_client.Scs/Delete";
inline constexpr std::string_view kDictionaryGet = "/cache_client.Scs/DictionaryGet";
inline constexpr std::string_view kDictionaryFetch = "/cache_client.Scs/DictionaryFetch";
inline constexpr std::string_view kDictionarySet = "/cache_client.Scs/DictionarySet";
inline constexpr std::string_view kDictionaryIncrement = "/cache_client.Scs/DictionaryIncrement";
inline constexpr std::string_view kDictionaryDelete = "/cache_client.Scs/DictionaryDelete";
inline constexpr std::string_view kDictionaryLength = "/cache_client.Scs/DictionaryLength";
inline constexpr std::string_view kSortedSetPut = "/cache_client.Scs/SortedSetPut";
inline constexpr std::string_view kSortedSetFetch = "/cache_client.Scs/SortedSetFetch";
inline constexpr std::string_view kSortedSetRemove = "/cache_client.Scs/SortedSetRemove";
inline constexpr std::string_view kSortedSetLengthByScore =
    "/cache_client.Scs/SortedSetLengthByScore";

// cache_client.pubsub.Pubsub, on cache.<base> / web.cache.<base>.
inline constexpr std::string_view kPublish = "/cache_client.pubsub.Pubsub/Publish";
inline constexpr std::string_view kSubscribe = "/cache_client.pubsub.Pubsub/Subscribe";

// token.Token, on token.<base> / web.token.<base>; no authorization header.
inline constexpr std::string_view kGenerateDisposableToken = "/token.Token/GenerateDisposableToken";

}  // namespace streampulse::momento::methods
