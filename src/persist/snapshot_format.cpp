// The text format of players.json (snapshot.hpp): snapshot::format writes it, snapshot::parse
// reads it back (version 2, one checksummed line per item, and version 1's plain JSON).
#include "streampulse/persist/snapshot.hpp"

#include "streampulse/core/json_text.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include <optional>
#include <string>

namespace streampulse::persist {

namespace snapshot {

namespace {

void append_line(std::string& out, std::string_view json) {
  out += fmt::format("{:08x} ", journal::crc32(json));
  out += json;
  out += '\n';
}

// Player entries share the shape of version 1's.
bool read_player(const boost::json::object& obj, Player& p) {
  const auto* id = obj.if_contains("id");
  const auto* last = obj.if_contains("lastSeen");
  const auto* value = obj.if_contains("analytics");
  if (!id || !id->is_string() || !last || !last->is_number() || !value || !value->is_string())
    return false;
  p.id = std::string(id->get_string());
  p.last_seen = last->to_number<double>();
  p.analytics = std::string(value->get_string());
  return true;
}

Contents parse_version_1(std::string_view text) {
  Contents c;
  c.version = 1;
  boost::system::error_code ec;
  const auto doc = boost::json::parse(text, ec);
  const auto* players = !ec && doc.is_object() ? doc.get_object().if_contains("players") : nullptr;
  if (!players || !players->is_array()) {
    c.problem = ec ? ec.message() : "no players array";
    return c;
  }
  for (const auto& v : players->get_array()) {
    Player p;
    if (v.is_object() && read_player(v.get_object(), p)) {
      c.players.push_back(std::move(p));
    } else {
      ++c.bad_lines;
    }
  }
  if (c.bad_lines > 0) c.problem = std::to_string(c.bad_lines) + " malformed players";
  return c;
}

// A non-negative integer (Boost.JSON reads small ones as int64).
std::optional<std::uint64_t> count_of(const boost::json::value* v) {
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

// The JSON of one line if its checksum matches.
std::optional<boost::json::object> checked_line(std::string_view line) {
  if (line.size() < 10 || line[8] != ' ') return std::nullopt;
  std::uint32_t crc = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const char ch = line[i];
    std::uint32_t digit = 0;
    if (ch >= '0' && ch <= '9') {
      digit = static_cast<std::uint32_t>(ch - '0');
    } else if (ch >= 'a' && ch <= 'f') {
      digit = static_cast<std::uint32_t>(ch - 'a' + 10);
    } else {
      return std::nullopt;
    }
    crc = (crc << 4) | digit;
  }
  const std::string_view json = line.substr(9);
  if (journal::crc32(json) != crc) return std::nullopt;
  boost::system::error_code ec;
  auto doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  return std::move(doc.get_object());
}

}  // namespace

std::string format(std::uint64_t journal_generation, core::EpochMs saved_at,
                   const std::vector<Player>& players) {
  std::string out;
  out.reserve(64 + players.size() * 160);
  append_line(out,
              fmt::format(R"({{"streampulseSnapshot":2,"journal":{},"savedAt":{},"players":{}}})",
                          journal_generation, saved_at, players.size()));
  std::string json;
  for (const auto& p : players) {
    json.assign(R"({"id":)");
    core::append_json_string(json, p.id);
    json += R"(,"lastSeen":)";
    core::append_json_number(json, p.last_seen);
    json += R"(,"analytics":)";
    core::append_json_string(json, p.analytics);  // the stored JSON, kept as a string
    json += '}';
    append_line(out, json);
  }
  append_line(out, fmt::format(R"({{"end":{}}})", players.size()));
  return out;
}

Contents parse(std::string_view text) {
  if (!text.empty() && text.front() == '{') return parse_version_1(text);
  Contents c;
  std::optional<std::uint64_t> declared;  // players, by the header
  std::optional<std::uint64_t> ended;     // players, by the end line
  bool after_end = false;
  std::size_t line_number = 0;
  std::size_t first_bad = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const bool whole = newline != std::string_view::npos;
    const std::string_view line = text.substr(0, whole ? newline : text.size());
    text.remove_prefix(whole ? newline + 1 : text.size());
    ++line_number;
    auto obj = whole ? checked_line(line) : std::nullopt;
    Player p;
    if (!obj || after_end) {
      ++c.bad_lines;
      if (first_bad == 0) first_bad = line_number;
    } else if (const auto* v = obj->if_contains("streampulseSnapshot"); v && c.version == 0) {
      c.version = 2;
      c.journal_generation = count_of(obj->if_contains("journal"));
      declared = count_of(obj->if_contains("players"));
    } else if (const auto e = count_of(obj->if_contains("end"))) {
      ended = e;
      after_end = true;
    } else if (read_player(*obj, p)) {
      c.players.push_back(std::move(p));
    } else {
      ++c.bad_lines;
      if (first_bad == 0) first_bad = line_number;
    }
  }
  std::vector<std::string> problems;
  if (c.version == 0) problems.push_back("no intact header line");
  if (c.bad_lines > 0)
    problems.push_back(fmt::format("{} damaged lines (first: line {})", c.bad_lines, first_bad));
  if (!ended) problems.push_back("no end line (truncated)");
  const std::uint64_t expected = declared ? *declared : (ended ? *ended : c.players.size());
  if (c.players.size() != expected)
    problems.push_back(fmt::format("{} of {} players intact", c.players.size(), expected));
  c.problem = fmt::format("{}", fmt::join(problems, "; "));
  return c;
}

}  // namespace snapshot

}  // namespace streampulse::persist
