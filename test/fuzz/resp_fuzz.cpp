// The Redis client's RESP2 layer (src/redis/reply_reader.hpp): hiredis's reader building
// redis::Reply, and the command encoder.
// Input: chunk-size byte, then the bytes a server might send.
// Checks: feeding in chunks gives the replies (and the failure) one feed gives; every reply
// read, written back as RESP, reads back the same; the rest of the input, split into
// arguments and encoded as a command, reads back as those arguments (binary-safe).
#include "fuzz_check.hpp"
#include "redis/reply_reader.hpp"  // private to src/redis

#include <string>
#include <vector>

using streampulse::redis::Reply;
using streampulse::redis::detail::ReplyReader;
namespace fuzz = streampulse::fuzz;

namespace {

struct Read {
  std::vector<Reply> replies;
  bool failed = false;
};

Read read_in_chunks(std::string_view bytes, std::size_t chunk) {
  Read out;
  ReplyReader reader;
  for (std::size_t at = 0; at < bytes.size() && !out.failed; at += chunk) {
    reader.feed(bytes.substr(at, chunk));
    for (;;) {
      Reply r;
      const auto next = reader.next(r);
      if (next == ReplyReader::Next::reply) {
        out.replies.push_back(std::move(r));
        continue;
      }
      out.failed = next == ReplyReader::Next::protocol_error;
      break;
    }
  }
  return out;
}

bool same(const Reply& a, const Reply& b) {
  if (a.type != b.type || a.str != b.str || a.integer != b.integer ||
      a.elements.size() != b.elements.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.elements.size(); ++i) {
    if (!same(a.elements[i], b.elements[i])) return false;
  }
  return true;
}

bool same(const std::vector<Reply>& a, const std::vector<Reply>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) return false;
  }
  return true;
}

void write_resp(const Reply& r, std::string& out) {
  switch (r.type) {
    case Reply::Type::string:
      out += "$" + std::to_string(r.str.size()) + "\r\n" + r.str + "\r\n";
      break;
    case Reply::Type::status:
      out += "+" + r.str + "\r\n";
      break;
    case Reply::Type::error:
      out += "-" + r.str + "\r\n";
      break;
    case Reply::Type::integer:
      out += ":" + std::to_string(r.integer) + "\r\n";
      break;
    case Reply::Type::nil:
      out += "$-1\r\n";
      break;
    case Reply::Type::array:
      out += "*" + std::to_string(r.elements.size()) + "\r\n";
      for (const auto& e : r.elements) write_resp(e, out);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = data[0] % 16 + 1;
  const std::string_view body = fuzz::as_view(data + 1, size - 1);

  const auto whole = read_in_chunks(body, body.size() + 1);
  const auto pieces = read_in_chunks(body, chunk);
  FUZZ_CHECK(whole.failed == pieces.failed);
  FUZZ_CHECK(same(whole.replies, pieces.replies));

  // Status and error lines that themselves hold CR or LF cannot be written back as one line.
  bool writable = true;
  std::string again;
  for (const auto& r : whole.replies) write_resp(r, again);
  for (const auto& r : whole.replies) {
    if ((r.type == Reply::Type::status || r.type == Reply::Type::error) &&
        r.str.find_first_of("\r\n") != std::string::npos) {
      writable = false;
    }
  }
  if (writable) {
    const auto back = read_in_chunks(again, again.size() + 1);
    FUZZ_CHECK(!back.failed);
    FUZZ_CHECK(same(back.replies, whole.replies));
  }

  // The encoder: the input's fields as one command, read back as an array of bulk strings.
  streampulse::redis::Command command;
  for (auto f : fuzz::split_fields(body, 6)) command.emplace_back(f);
  const auto wire = streampulse::redis::detail::encode_commands({command});
  const auto parsed = read_in_chunks(wire, chunk);
  FUZZ_CHECK(!parsed.failed && parsed.replies.size() == 1);
  FUZZ_CHECK(parsed.replies[0].elements.size() == command.size());
  for (std::size_t i = 0; i < command.size(); ++i) {
    FUZZ_CHECK(parsed.replies[0].elements[i].type == Reply::Type::string);
    FUZZ_CHECK(parsed.replies[0].elements[i].str == command[i]);
  }
  return 0;
}
