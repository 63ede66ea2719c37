#pragma once
// Response parsing shared by the message readers: a reply that does not parse, or lacks the
// oneof every valid reply sets, is an unexpected backend answer (errc::internal).
#include "streampulse/core/error.hpp"

#include <boost/system/result.hpp>

#include <climits>
#include <string_view>

namespace streampulse::momento::detail {

inline boost::system::error_code malformed() { return make_error_code(errc::internal); }

template <class Message>
boost::system::result<Message> parse(std::string_view bytes) {
  Message m;
  if (bytes.size() > INT_MAX || !m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return malformed();
  return m;
}

}  // namespace streampulse::momento::detail
