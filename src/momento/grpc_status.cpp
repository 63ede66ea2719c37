#include "streampulse/momento/grpc_status.hpp"

#include "streampulse/momento/methods.hpp"

#include <algorithm>
#include <array>

namespace streampulse::momento {

std::string_view code_name(GrpcCode code) {
  static constexpr std::array<std::string_view, 17> kNames = {"OK",
                                                              "CANCELLED",
                                                              "UNKNOWN",
                                                              "INVALID_ARGUMENT",
                                                              "DEADLINE_EXCEEDED",
                                                              "NOT_FOUND",
                                                              "ALREADY_EXISTS",
                                                              "PERMISSION_DENIED",
                                                              "RESOURCE_EXHAUSTED",
                                                              "FAILED_PRECONDITION",
                                                              "ABORTED",
                                                              "OUT_OF_RANGE",
                                                              "UNIMPLEMENTED",
                                                              "INTERNAL",
                                                              "UNAVAILABLE",
                                                              "DATA_LOSS",
                                                              "UNAUTHENTICATED"};
  const auto i = static_cast<std::size_t>(code);
  return i < kNames.size() ? kNames[i] : "UNKNOWN";
}

std::string GrpcStatus::describe() const {
  std::string out(code_name(code));
  out += " (" + std::to_string(static_cast<int>(code)) + ")";
  if (!message.empty()) out += ": " + message;
  if (!err.empty()) out += " [err=" + err + "]";
  return out;
}

errc to_errc(GrpcCode code) {
  switch (code) {
    case GrpcCode::ok:
      return errc::ok;
    case GrpcCode::not_found:
      return errc::not_found;
    case GrpcCode::unauthenticated:
      return errc::unauthenticated;
    case GrpcCode::permission_denied:
      return errc::permission_denied;
    case GrpcCode::resource_exhausted:
      return errc::resource_exhausted;
    case GrpcCode::deadline_exceeded:
      return errc::deadline_exceeded;
    // The caller sent something the service refuses (e.g. DictionaryIncrement on a
    // non-integer field is FAILED_PRECONDITION).
    case GrpcCode::invalid_argument:
    case GrpcCode::failed_precondition:
    case GrpcCode::out_of_range:
    case GrpcCode::already_exists:
      return errc::invalid_argument;
    // Transient: the backend may answer on a later attempt.
    case GrpcCode::cancelled:
    case GrpcCode::unknown:
    case GrpcCode::aborted:
    case GrpcCode::internal:
    case GrpcCode::unavailable:
      return errc::unavailable;
    // We called something that does not exist, or the answer is corrupt: our bug.
    case GrpcCode::unimplemented:
    case GrpcCode::data_loss:
      return errc::internal;
  }
  return errc::internal;
}

GrpcCode code_for_http_status(int http_status) {
  switch (http_status) {
    case 200:
      return GrpcCode::ok;
    case 400:
      return GrpcCode::invalid_argument;
    case 401:
      return GrpcCode::unauthenticated;
    case 403:
      return GrpcCode::permission_denied;
    case 404:
      return GrpcCode::not_found;
    case 409:
      return GrpcCode::aborted;
    case 412:
      return GrpcCode::failed_precondition;
    case 429:
      return GrpcCode::resource_exhausted;
    case 499:
      return GrpcCode::cancelled;
    case 501:
      return GrpcCode::unimplemented;
    case 503:
      return GrpcCode::unavailable;
    case 504:
      return GrpcCode::deadline_exceeded;
    default:  // 500 included
      return GrpcCode::unknown;
  }
}

bool is_retryable(std::string_view method_path, GrpcCode code) {
  using namespace methods;
  // The JS SDK's default eligibility list, restricted to the methods we call. Publish and
  // DictionaryIncrement are absent on purpose: a retry could apply them twice.
  static constexpr std::array kIdempotent = {kGet,
                                             kSet,
                                             kDelete,
                                             kDictionaryGet,
                                             kDictionaryFetch,
                                             kDictionarySet,
                                             kDictionaryDelete,
                                             kDictionaryLength,
                                             kSortedSetPut,
                                             kSortedSetFetch,
                                             kSortedSetRemove,
                                             kSortedSetLengthByScore,
                                             kSubscribe};
  if (code != GrpcCode::cancelled && code != GrpcCode::internal && code != GrpcCode::unavailable)
    return false;
  return std::find(kIdempotent.begin(), kIdempotent.end(), method_path) != kIdempotent.end();
}

}  // namespace streampulse::momento
