// Header grammar for the file server: content types, Range, HTTP dates and entity-tags.
#include "file_server_detail.hpp"
#include "streampulse/http/file_server.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <limits>

namespace streampulse::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

std::string_view content_type_for(std::string_view path) {
  struct Entry {
    std::string_view ext, type;
  };
  static constexpr std::array<Entry, 27> kTypes{{
      {"m3u8", "application/vnd.apple.mpegurl"},
      {"ts", "video/mp2t"},
      {"m4s", "video/iso.segment"},
      {"mp4", "video/mp4"},
      {"m4v", "video/mp4"},
      {"m4a", "audio/mp4"},
      {"aac", "audio/aac"},
      {"mp3", "audio/mpeg"},
      {"vtt", "text/vtt"},
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"wasm", "application/wasm"},
      {"txt", "text/plain; charset=utf-8"},
  }};
  const auto name = path.substr(path.find_last_of('/') + 1);
  const auto dot = name.find_last_of('.');
  if (dot != std::string_view::npos) {
    const auto ext = name.substr(dot + 1);
    for (const auto& e : kTypes) {
      if (iequals(e.ext, ext)) return e.type;
    }
  }
  return "application/octet-stream";
}

namespace file_server_detail {

namespace {

// Digits only, saturating: a position past any file is still "past the end".
std::optional<std::uint64_t> parse_position(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    v = v > (std::numeric_limits<std::uint64_t>::max() - d) / 10
            ? std::numeric_limits<std::uint64_t>::max()
            : v * 10 + d;
  }
  return v;
}

constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char*, 7> kWeekdays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  using Kind = RangeRequest::Kind;
  const auto eq = header.find('=');
  if (eq == std::string_view::npos || !iequals(trim(header.substr(0, eq)), "bytes")) return {};
  // A list may carry empty elements ("0-1, ,"); more than one real range is served whole.
  std::string_view spec;
  std::string_view set = header.substr(eq + 1);
  while (!set.empty()) {
    const auto comma = set.find(',');
    const auto element = trim(set.substr(0, comma));
    set = comma == std::string_view::npos ? std::string_view{} : set.substr(comma + 1);
    if (element.empty()) continue;
    if (!spec.empty()) return {};
    spec = element;
  }
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const auto first = parse_position(spec.substr(0, dash));
  const auto last = parse_position(spec.substr(dash + 1));
  if (!first) {  // suffix range "-n": the last n bytes
    if (dash != 0 || !last) return {};
    if (*last == 0 || size == 0) return {Kind::unsatisfiable, {}};
    return {Kind::satisfiable, {size - std::min(*last, size), size - 1}};
  }
  if (dash + 1 < spec.size() && (!last || *last < *first)) return {};  // invalid: ignored
  if (*first >= size) return {Kind::unsatisfiable, {}};
  return {Kind::satisfiable, {*first, last ? std::min(*last, size - 1) : size - 1}};
}

std::string format_http_date(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char out[32];
  std::snprintf(out, sizeof out, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kWeekdays[weekday{day}.c_encoding()], static_cast<unsigned>(ymd.day()),
                kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return out;
}

std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view s) {
  using namespace std::chrono;
  const std::string in(trim(s));
  char wday[16] = {}, mon[4] = {};
  int d = 0, y = 0, hh = 0, mm = 0, ss = 0, used = -1;
  const char* c = in.c_str();
  const auto full = [&] { return used == static_cast<int>(in.size()); };
  if (!((std::sscanf(c, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wday, &d, mon, &y, &hh, &mm, &ss,
                     &used) == 7 &&
         full()) ||
        (std::sscanf(c, "%3s %3s %2d %2d:%2d:%2d %4d%n", wday, mon, &d, &hh, &mm, &ss, &y, &used) ==
             7 &&
         full()))) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; two-digit years before 70 are 20xx.
    if (std::sscanf(c, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d GMT%n", wday, &d, mon, &y, &hh, &mm,
                    &ss, &used) != 7 ||
        !full()) {
      return std::nullopt;
    }
    y += y < 70 ? 2000 : 1900;
  }
  const auto m = std::find_if(kMonths.begin(), kMonths.end(),
                              [&](const char* name) { return std::string_view(name) == mon; });
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m - kMonths.begin()) + 1},
                           day{static_cast<unsigned>(d)}};
  if (m == kMonths.end() || !ymd.ok() || d < 1 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
      ss < 0 || ss > 60) {
    return std::nullopt;
  }
  return sys_days{ymd} + hours{hh} + minutes{mm} + seconds{std::min(ss, 59)};
}

bool if_none_match_matches(std::string_view header, std::string_view etag) {
  if (trim(header) == "*") return true;
  // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc may include ',' so parse, don't split.
  std::string_view rest = header;
  while (true) {
    const auto start = rest.find('"');
    if (start == std::string_view::npos) return false;
    const auto end = rest.find('"', start + 1);
    if (end == std::string_view::npos) return false;
    if (rest.substr(start, end - start + 1) == etag) return true;
    rest = rest.substr(end + 1);
  }
}

bool if_range_matches(std::string_view header, std::string_view etag,
                      std::chrono::sys_seconds last_modified) {
  const auto value = trim(header);
  if (value.starts_with("W/")) return false;  // If-Range needs a strong comparison
  if (value.starts_with('"')) return value == etag;
  const auto date = parse_http_date(value);
  return date && *date == last_modified;
}

}  // namespace file_server_detail
}  // namespace streampulse::http
