#pragma once
// What a request must satisfy before it is routed (private to http/): unambiguous framing
// (RFC 9112 §6.1, §6.3: one final "chunked" or a Content-Length, never both; §3.2: one Host)
// and a target decoded once, so the router, the handler and the file server all see the same
// path. Every refusal is a 400 and the session closes the connection after it.
#include "streampulse/http/types.hpp"

#include <boost/url/url_view.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace streampulse::http {

struct Refusal {
  beast_http::status status = beast_http::status::bad_request;
  std::string_view code;  // the JSON error code
  std::string message;
};

// Transfer-Encoding, Content-Length and Host: nullopt when the framing is unambiguous.
std::optional<Refusal> check_framing(const Request::header_type& header);

// A request target: origin-form ("/path?query") or absolute-form ("http://host/path?query",
// routed on its path). `path` is the percent-decoded path ("/" when empty).
struct Target {
  boost::urls::url_view url;  // views the raw target: valid as long as it is
  std::string path;
};
struct TargetOrRefusal {
  std::optional<Target> target;
  std::optional<Refusal> refusal;  // set when target is not
};

// Parses and decodes `raw` once. Refused: unparsable targets, encoded separators (%2F, %5C),
// control characters (NUL, CR, LF...) once decoded, and "." or ".." segments.
TargetOrRefusal parse_target(std::string_view raw);

}  // namespace streampulse::http
