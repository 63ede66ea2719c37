#pragma once
// Error codes used inside streampulse. Failures travel as values (boost::system::result);
// api::store_error_response (src/api/request_helpers.cpp) maps each code to one HTTP status.
#include <boost/system/error_code.hpp>
#include <type_traits>

namespace streampulse {

enum class errc {
  ok = 0,
  invalid_argument,    // a request or message was malformed
  unauthenticated,     // missing, malformed or expired credential
  permission_denied,   // valid credential, but not for this resource/action
  not_found,           // unknown cache, topic or object
  payload_too_large,   // over a size limit
  resource_exhausted,  // a bound was reached (long-polls, topics, rate)
  unavailable,         // backend unreachable or shutting down
  deadline_exceeded,   // a wait ran out of time
  internal,            // a bug or an unexpected backend answer
  too_many_players,    // a new player past the cap on players tracked, all of them active
  backend_full,        // the backend refuses writes for want of memory (Redis -OOM, noeviction)
};

const boost::system::error_category& streampulse_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), streampulse_category()};
}

}  // namespace streampulse

template <>
struct boost::system::is_error_code_enum<streampulse::errc> : std::true_type {};
