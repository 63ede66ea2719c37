// redis::Url: STREAMPULSE_REDIS_URL, parsed with Boost.URL (percent-decoding, IPv6 literals).
#include "streampulse/core/error.hpp"
#include "streampulse/redis/client.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace streampulse::redis {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A database number: decimal digits only, 0 .. INT_MAX.
bool parse_db(std::string_view s, int& db) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > std::numeric_limits<int>::max()) {
    return false;
  }
  db = static_cast<int>(v);
  return true;
}

}  // namespace

boost::system::result<Url> Url::parse(std::string_view text) {
  const auto bad = make_error_code(errc::invalid_argument);
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return bad;
  const auto& u = *parsed;
  Url out;
  const auto scheme = lower(u.scheme());
  if (scheme == "redis") {
    out.kind = Kind::tcp;
  } else if (scheme == "rediss") {
    out.kind = Kind::tls;
  } else if (scheme == "unix") {
    out.kind = Kind::unix_socket;
  } else {
    return bad;
  }
  if (!u.has_authority() || u.has_fragment()) return bad;

  if (u.has_userinfo()) {
    // [user]:password — a bare "word@" is ambiguous (user or password?) and refused.
    if (!u.has_password()) return bad;
    out.user = u.user();
    out.password = u.password();
    if (out.password.empty()) return bad;
  }

  if (out.kind == Kind::unix_socket) {
    if (!u.encoded_host().empty() || u.has_port()) return bad;
    out.path = u.path();
    if (out.path.size() < 2 || out.path.front() != '/') return bad;
    for (const auto& param : u.params()) {
      if (param.key != "db" || !param.has_value || !parse_db(param.value, out.db)) return bad;
    }
    return out;
  }

  out.host = u.host_address();  // IPv6 without its brackets; names percent-decoded
  if (out.host.empty()) return bad;
  if (u.host_type() == boost::urls::host_type::ipvfuture) return bad;
  if (u.has_port()) {
    const auto port = u.port();
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad;
    }
    const auto number = std::stoul(std::string(port));
    if (number == 0 || number > 65535) return bad;
    out.port = static_cast<std::uint16_t>(number);
  }
  if (u.has_query()) return bad;
  const auto path = u.encoded_path();
  if (!path.empty() && path != "/") {
    if (path.front() != '/' || !parse_db(path.substr(1), out.db)) return bad;
  }
  return out;
}

std::string Url::redacted() const {
  std::string out;
  switch (kind) {
    case Kind::tcp:
      out = "redis://";
      break;
    case Kind::tls:
      out = "rediss://";
      break;
    case Kind::unix_socket:
      out = "unix://";
      break;
  }
  if (!user.empty() || !password.empty()) {
    out += user;
    out += password.empty() ? "@" : ":***@";
  }
  if (kind == Kind::unix_socket) {
    out += path;
    if (db != 0) out += "?db=" + std::to_string(db);
    return out;
  }
  if (host.find(':') != std::string::npos) {
    out += '[' + host + ']';
  } else {
    out += host;
  }
  out += ':' + std::to_string(port);
  if (db != 0) out += '/' + std::to_string(db);
  return out;
}

}  // namespace streampulse::redis
