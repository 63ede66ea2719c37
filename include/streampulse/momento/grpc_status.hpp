#pragma once
// gRPC status codes as Momento returns them, their meaning for streampulse (errc), and which
// failures may be retried (docs/momento.md §11.4).
#include "streampulse/core/error.hpp"

#include <string>
#include <string_view>

namespace streampulse::momento {

enum class GrpcCode : int {
  ok = 0,
  cancelled = 1,
  unknown = 2,
  invalid_argument = 3,
  deadline_exceeded = 4,
  not_found = 5,
  already_exists = 6,
  permission_denied = 7,
  resource_exhausted = 8,
  failed_precondition = 9,
  aborted = 10,
  out_of_range = 11,
  unimplemented = 12,
  internal = 13,
  unavailable = 14,
  data_loss = 15,
  unauthenticated = 16,
};

// "NOT_FOUND", as gRPC spells it in logs.
std::string_view code_name(GrpcCode code);

// The status of one call, as the server (or our decoder) reported it. Kept whole for logs.
struct GrpcStatus {
  GrpcCode code = GrpcCode::ok;
  std::string message;  // grpc-message, percent-decoded; or why the response was unusable
  std::string err;      // Momento's `err` metadata, e.g. "operations_rate_limit_exceeded"
  bool ok() const { return code == GrpcCode::ok; }
  // "RESOURCE_EXHAUSTED (8): Request rate exceeded [err=operations_rate_limit_exceeded]".
  std::string describe() const;
};

// NOT_FOUND -> not_found, UNAUTHENTICATED -> unauthenticated, transient failures ->
// unavailable, caller mistakes -> invalid_argument, and so on (see the .cpp for the table).
errc to_errc(GrpcCode code);

// grpc-web's mapping of a non-200 HTTP status: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED,
// 403 PERMISSION_DENIED, 404 NOT_FOUND, 409 ABORTED, 412 FAILED_PRECONDITION,
// 429 RESOURCE_EXHAUSTED, 499 CANCELLED, 500 UNKNOWN, 501 UNIMPLEMENTED, 503 UNAVAILABLE,
// 504 DEADLINE_EXCEEDED, anything else UNKNOWN.
GrpcCode code_for_http_status(int http_status);

// Momento SDKs retry only idempotent methods (never DictionaryIncrement or Publish), and only
// on CANCELLED, INTERNAL and UNAVAILABLE.
bool is_retryable(std::string_view method_path, GrpcCode code);

}  // namespace streampulse::momento
