#pragma once
// Writing JSON text directly, for the two documents built on hot or visible paths (the stored
// heartbeat and the dashboard). Numbers print as people write them: 5000, 21.5, never 2.15E1
// (Boost.JSON 1.81's serializer writes every double in exponent form).
#include <string>
#include <string_view>

namespace streampulse::core {

// Appends s as a JSON string literal, quotes and escapes included.
void append_json_string(std::string& out, std::string_view s);

// Appends a finite number: integral values without a fraction, others in their shortest
// round-trip form. Non-finite values (which the validation never lets in) print as null.
void append_json_number(std::string& out, double v);

}  // namespace streampulse::core
