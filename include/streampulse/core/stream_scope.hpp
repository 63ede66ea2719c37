#pragma once
// A viewer token scoped to one stream (issue 15). The token id travels with every heartbeat on
// both backends (the embedded topics' claims, Momento's webhook `token_id` and subscription
// `publisher_id`), and Momento's disposable tokens carry nothing else of ours: so a token for a
// stream other than the default carries the stream in its id, as a keyed tag:
//
//   view-<24 hex>            the player id: a token of the default stream (as before)
//   view-<24 hex>-s<16 hex>  the player id and tag(player id, stream id), 47 characters
//                            (Momento's token_id takes 64; a stream id may take 64 alone)
//
// The tag is a MAC under the service's key (core::TokenAuthority::stream_tag), so a viewer
// cannot make a token for another stream, and any instance holding the key checks it without
// state. Pure: the MAC is passed in.
#include <functional>
#include <string>
#include <string_view>

namespace streampulse::core {

inline constexpr std::size_t kStreamTagHexChars = 16;

// tag(player id, stream id): kStreamTagHexChars lower-case hex digits.
using StreamTagger = std::function<std::string(std::string_view, std::string_view)>;

// The token id of a viewer token for `stream_id`: the player id itself for the default stream.
std::string scoped_token_id(std::string_view player_id, std::string_view stream_id,
                            std::string_view default_stream_id, const StreamTagger& tag);

// The player part of a token id (the id itself when it has no tag): the audience keeps a
// token's binding on its player's shard.
std::string_view token_player_part(std::string_view token_id);

// May a token with this id publish heartbeats of `stream_id`? An empty id (the operator's own
// credential) may publish for any stream; an id without a tag for the default stream only; a
// tagged one for the stream its tag names only.
bool token_allows_stream(std::string_view token_id, std::string_view stream_id,
                         std::string_view default_stream_id, const StreamTagger& tag);

}  // namespace streampulse::core
