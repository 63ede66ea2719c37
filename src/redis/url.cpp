// redis::Url: STREAMPULSE_REDIS_URL, parsed with Boost.URL (percent-decoding, IPv6 literals).
#include "streampulse/core/error.hpp"
#include "streampulse/redis/client.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>

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

// A port: 1 .. 65535, decimal digits only.
bool parse_port(std::string_view port, std::uint16_t& out) {
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const auto number = std::stoul(std::string(port));
  if (number == 0 || number > 65535) return false;
  out = static_cast<std::uint16_t>(number);
  return true;
}

// host[:port] of a URL's authority: a name, IPv4 or [IPv6] (returned without brackets).
bool parse_host(const boost::urls::url_view& u, std::string& host, std::uint16_t& port) {
  host = u.host_address();  // IPv6 without its brackets; names percent-decoded
  if (host.empty()) return false;
  if (u.host_type() == boost::urls::host_type::ipvfuture) return false;
  return !u.has_port() || parse_port(u.port(), port);
}

// [user]:password — a bare "word@" is ambiguous (user or password?) and refused.
bool parse_userinfo(const boost::urls::url_view& u, Url& out) {
  if (!u.has_userinfo()) return true;
  if (!u.has_password()) return false;
  out.user = u.user();
  out.password = u.password();
  return !out.password.empty();
}

std::string host_text(const std::string& host) {
  return host.find(':') != std::string::npos ? '[' + host + ']' : host;
}

// redis+sentinel://[userinfo@]host[:port][,host[:port]...]/<name>[/db][?sentinel_password=...]
// Boost.URL reads one host per authority, so the list is split here and each host read as the
// authority of a URL of its own; the rest is read with the list replaced by one placeholder.
boost::system::result<Url> parse_sentinel(std::string_view text, std::size_t scheme_end) {
  const auto bad = make_error_code(errc::invalid_argument);
  Url out;
  out.kind = Url::Kind::sentinel;
  const std::size_t authority_begin = scheme_end + 3;  // past "://"
  if (text.substr(scheme_end, 3) != "://") return bad;
  const auto authority_end = text.find_first_of("/?#", authority_begin);
  const auto authority = text.substr(authority_begin, authority_end == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : authority_end - authority_begin);
  const auto at = authority.rfind('@');
  const auto userinfo = at == std::string_view::npos ? std::string_view{} : authority.substr(0, at);
  auto hosts = at == std::string_view::npos ? authority : authority.substr(at + 1);

  // Everything but the host list: "redis://[userinfo@]h<path>?<query>#<fragment>".
  std::string rest = "redis://";
  if (at != std::string_view::npos) {
    rest += userinfo;
    rest += '@';
  }
  rest += 'h';
  if (authority_end != std::string_view::npos) rest += text.substr(authority_end);
  auto parsed = boost::urls::parse_uri(rest);
  if (!parsed || parsed->has_fragment() || !parse_userinfo(*parsed, out)) return bad;

  for (;;) {
    const auto comma = hosts.find(',');
    const auto one = hosts.substr(0, comma);
    const std::string one_url = "redis://" + std::string(one);  // the view below reads it
    auto host = boost::urls::parse_uri(one_url);
    Url::HostPort hp{{}, 26379};
    if (one.empty() || !host || host->has_userinfo() || !host->encoded_path().empty() ||
        host->has_query() || host->has_fragment() || !parse_host(*host, hp.host, hp.port)) {
      return bad;
    }
    out.sentinels.push_back(std::move(hp));
    if (comma == std::string_view::npos) break;
    hosts.remove_prefix(comma + 1);
  }

  // /<name>[/db]: the name non-empty, the db a number.
  const auto segments = parsed->segments();
  if (segments.empty() || segments.size() > 2) return bad;
  auto segment = segments.begin();
  out.master_name = *segment;
  if (out.master_name.empty()) return bad;
  if (segments.size() == 2 && !parse_db(*++segment, out.db)) return bad;
  // Only sentinel_password, once, not empty; '+' is a plus here, not a space.
  for (const auto& param : parsed->params(boost::urls::encoding_opts{})) {
    if (param.key != "sentinel_password" || !param.has_value || param.value.empty() ||
        !out.sentinel_password.empty()) {
      return bad;
    }
    out.sentinel_password = param.value;
  }
  if (parsed->has_query() && out.sentinel_password.empty()) return bad;
  return out;
}

}  // namespace

std::string Url::HostPort::text() const { return host_text(host) + ':' + std::to_string(port); }

boost::system::result<Url> Url::parse(std::string_view text) {
  const auto bad = make_error_code(errc::invalid_argument);
  const auto colon = text.find(':');
  if (colon != std::string_view::npos && lower(text.substr(0, colon)) == "redis+sentinel") {
    return parse_sentinel(text, colon);
  }
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
  if (!u.has_authority() || u.has_fragment() || !parse_userinfo(u, out)) return bad;

  if (out.kind == Kind::unix_socket) {
    if (!u.encoded_host().empty() || u.has_port()) return bad;
    out.path = u.path();
    if (out.path.size() < 2 || out.path.front() != '/') return bad;
    for (const auto& param : u.params()) {
      if (param.key != "db" || !param.has_value || !parse_db(param.value, out.db)) return bad;
    }
    return out;
  }

  if (!parse_host(u, out.host, out.port) || u.has_query()) return bad;
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
    case Kind::sentinel:
      out = "redis+sentinel://";
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
  if (kind == Kind::sentinel) {
    for (std::size_t i = 0; i < sentinels.size(); ++i) {
      if (i > 0) out += ',';
      out += sentinels[i].text();
    }
    // The name as given (percent-encoded where it must be, so that the text parses again).
    out += '/' + std::string(boost::urls::encode(master_name, boost::urls::pchars));
    if (db != 0) out += '/' + std::to_string(db);
    if (!sentinel_password.empty()) out += "?sentinel_password=***";
    return out;
  }
  out += HostPort{host, port}.text();
  if (db != 0) out += '/' + std::to_string(db);
  return out;
}

}  // namespace streampulse::redis
