#include "request_rules.hpp"

#include "streampulse/http/file_server.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace streampulse::http {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool has_dot_segment(std::string_view path) {
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto segment = path.substr(0, slash);
    if (segment == "." || segment == "..") return true;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return false;
}

Refusal bad_path(std::string message) {
  return {beast_http::status::bad_request, "bad_path", std::move(message)};
}

}  // namespace

std::optional<Refusal> check_framing(const Request::header_type& header) {
  const auto hosts = header.count(beast_http::field::host);
  if (hosts > 1 || (hosts == 0 && header.version() >= 11)) {
    return Refusal{beast_http::status::bad_request, "bad_host",
                   "an HTTP/1.1 request carries exactly one Host header"};
  }
  // Anything but one final "chunked" alone would let the next request hide in this one's body:
  // "chunked, identity", "chunked, chunked", "xchunked", a second field, or Content-Length too.
  const auto codings = header.count(beast_http::field::transfer_encoding);
  if (codings == 0) return std::nullopt;
  if (codings > 1 || header.version() < 11 ||
      !iequals(trim(header[beast_http::field::transfer_encoding]), "chunked") ||
      header.count(beast_http::field::content_length) > 0) {
    return Refusal{beast_http::status::bad_request, "bad_transfer_encoding",
                   "Transfer-Encoding must be exactly 'chunked' (HTTP/1.1), without "
                   "Content-Length"};
  }
  return std::nullopt;
}

TargetOrRefusal parse_target(std::string_view raw) {
  TargetOrRefusal out;
  boost::urls::url_view url;
  if (raw.starts_with('/')) {
    auto origin = boost::urls::parse_origin_form(raw);
    if (origin) url = *origin;
  } else {
    // Absolute-form (RFC 9112 §3.2.2), which proxies send: routed on its path.
    auto absolute = boost::urls::parse_absolute_uri(raw);
    if (absolute && absolute->has_authority() &&
        (iequals(absolute->scheme(), "http") || iequals(absolute->scheme(), "https"))) {
      url = *absolute;
    }
  }
  if (url.buffer().empty()) {
    out.refusal = Refusal{beast_http::status::bad_request, "bad_target",
                          "the request target is not a valid path or http URL"};
    return out;
  }
  if (has_encoded_separator(url.encoded_path())) {
    out.refusal = bad_path("encoded '/' or '\\' (%2F, %5C) in the path");
    return out;
  }
  // Built in one step: assigning "/" to an empty string trips GCC 12's -Wrestrict (a false
  // positive) at -O2.
  std::string path = url.path().empty() ? std::string(1, '/') : std::string(url.path());
  if (std::any_of(path.begin(), path.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    out.refusal = bad_path("control characters (NUL, CR, LF...) in the path");
    return out;
  }
  if (has_dot_segment(path)) {
    out.refusal = bad_path("'.' and '..' segments are not allowed in the path");
    return out;
  }
  out.target = Target{url, std::move(path)};
  return out;
}

}  // namespace streampulse::http
