// The journal's file format (journal.hpp, namespace journal): CRC-32, the file header, records
// appended, sealed and read back. Pure functions; the Journal class is journal.cpp.
#include "streampulse/persist/journal.hpp"

#include <array>
#include <string>

namespace streampulse::persist {

namespace journal {

namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

void put_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_u64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  crc = ~crc;
  for (const char ch : bytes)
    crc = kCrcTable[(crc ^ static_cast<unsigned char>(ch)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::string file_header(std::uint64_t generation) {
  std::string out(kMagic);
  out.resize(kHeaderSize);
  put_u64(out.data() + kMagic.size(), generation);
  put_u32(out.data() + 16, crc32(std::string_view(out.data(), 16)));
  return out;
}

std::size_t record_size(std::string_view player_id, std::string_view analytics) {
  return kRecordHeaderSize + kMinPayload + player_id.size() + analytics.size();
}

void append_record(std::string& out, std::string_view player_id, core::EpochMs seen_ms,
                   std::string_view analytics) {
  const std::size_t at = out.size();
  const std::size_t payload = kMinPayload + player_id.size() + analytics.size();
  out.resize(at + kRecordHeaderSize + kMinPayload);
  char* p = out.data() + at;
  put_u32(p, static_cast<std::uint32_t>(payload));
  put_u32(p + 4, 0);  // seal() computes it
  put_u64(p + 8, static_cast<std::uint64_t>(seen_ms));
  p[16] = static_cast<char>(static_cast<unsigned char>(player_id.size()));
  out.append(player_id);
  out.append(analytics);
}

void seal(std::string& records) {
  std::size_t at = 0;
  while (at + kRecordHeaderSize <= records.size()) {
    const std::uint32_t payload = get_u32(records.data() + at);
    const std::string_view covered(records.data() + at, 4);
    const std::string_view body(records.data() + at + kRecordHeaderSize, payload);
    put_u32(records.data() + at + 4, crc32(body, crc32(covered)));
    at += kRecordHeaderSize + payload;
  }
}

Contents read(std::string_view bytes) {
  Contents c;
  if (bytes.empty()) return c;  // created, then the process died before the header: no records
  if (bytes.size() < kHeaderSize || bytes.substr(0, kMagic.size()) != kMagic ||
      crc32(bytes.substr(0, 16)) != get_u32(bytes.data() + 16)) {
    c.ignored_bytes = bytes.size();
    c.problem = bytes.size() < kHeaderSize ? "shorter than its header" : "damaged header";
    return c;
  }
  c.generation = get_u64(bytes.data() + kMagic.size());
  std::size_t at = kHeaderSize;
  while (at < bytes.size()) {
    const std::size_t left = bytes.size() - at;
    if (left < kRecordHeaderSize) {
      c.problem = "truncated record header";
      break;
    }
    const char* p = bytes.data() + at;
    const std::uint32_t payload = get_u32(p);
    if (payload < kMinPayload || payload > kMaxPayload) {
      c.problem = "bad record length " + std::to_string(payload);
      break;
    }
    if (left - kRecordHeaderSize < payload) {
      c.problem = "truncated record";
      break;
    }
    const std::string_view body(p + kRecordHeaderSize, payload);
    if (crc32(body, crc32(std::string_view(p, 4))) != get_u32(p + 4)) {
      c.problem = "checksum mismatch";
      break;
    }
    const std::size_t id_size = static_cast<unsigned char>(body[8]);
    if (kMinPayload + id_size > payload) {
      c.problem = "bad id length";
      break;
    }
    Record r;
    r.seen_ms = static_cast<core::EpochMs>(get_u64(body.data()));
    r.player_id = std::string(body.substr(kMinPayload, id_size));
    r.analytics = std::string(body.substr(kMinPayload + id_size));
    c.records.push_back(std::move(r));
    at += kRecordHeaderSize + payload;
  }
  c.good_bytes = at;
  c.ignored_bytes = bytes.size() - at;
  if (!c.problem.empty()) c.problem += " at offset " + std::to_string(at);
  return c;
}

}  // namespace journal

}  // namespace streampulse::persist
