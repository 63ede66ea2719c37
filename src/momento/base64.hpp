#pragma once
// Base64 over OpenSSL's EVP block codec, shared by the credential parser and gRPC-Web text mode.
#include <optional>
#include <string>
#include <string_view>

namespace streampulse::momento::detail {

// Standard alphabet, with padding.
std::string base64_encode(std::string_view bytes);

// Accepts the standard (+/) and URL-safe (-_) alphabets, padded or not. nullopt for any other
// character, misplaced padding or an impossible length. No whitespace is skipped.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace streampulse::momento::detail
