// The Redis client's RESP2 layer: hiredis's reader building redis::Reply, and the encoder.
#include "../../src/redis/reply_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace streampulse::redis::detail {
namespace {

using Type = Reply::Type;

// Every reply in `bytes`, fed in pieces of `chunk` bytes (0: whole); `error` when it broke.
std::vector<Reply> read_all(std::string_view bytes, std::size_t chunk = 0, bool* error = nullptr) {
  ReplyReader reader;
  std::vector<Reply> out;
  if (chunk == 0) chunk = bytes.size() + 1;
  bool broken = false;
  for (std::size_t at = 0; at < bytes.size() && !broken; at += chunk) {
    reader.feed(bytes.substr(at, chunk));
    for (;;) {
      Reply r;
      const auto next = reader.next(r);
      if (next == ReplyReader::Next::reply) {
        out.push_back(std::move(r));
        continue;
      }
      broken = next == ReplyReader::Next::protocol_error;
      break;
    }
  }
  if (error) *error = broken;
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

const std::string kMixed =
    "+OK\r\n"
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    ":-42\r\n"
    "$5\r\nhello\r\n"
    "$0\r\n\r\n"
    "$-1\r\n"
    "*-1\r\n"
    "*0\r\n"
    "*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n*1\r\n*1\r\n+deep\r\n"
    "$6\r\na\r\nb\r\n\r\n";

TEST(RedisReplyReader, EveryType) {
  bool error = true;
  const auto r = read_all(kMixed, 0, &error);
  EXPECT_FALSE(error);
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r[0].type, Type::status);
  EXPECT_EQ(r[0].str, "OK");
  EXPECT_TRUE(r[1].is_error());
  EXPECT_EQ(r[1].error_kind(), "WRONGTYPE");
  EXPECT_EQ(r[2].type, Type::integer);
  EXPECT_EQ(r[2].integer, -42);
  EXPECT_EQ(r[3].type, Type::string);
  EXPECT_EQ(r[3].str, "hello");
  EXPECT_EQ(r[4].type, Type::string);
  EXPECT_EQ(r[4].str, "");
  EXPECT_TRUE(r[5].is_nil());  // nil bulk
  EXPECT_TRUE(r[6].is_nil());  // nil array
  EXPECT_EQ(r[7].type, Type::array);
  EXPECT_TRUE(r[7].elements.empty());
  // Nested: [1, ["a", nil], [["deep"]]]
  ASSERT_EQ(r[8].type, Type::array);
  ASSERT_EQ(r[8].elements.size(), 3u);
  EXPECT_EQ(r[8].elements[0].integer, 1);
  ASSERT_EQ(r[8].elements[1].elements.size(), 2u);
  EXPECT_EQ(r[8].elements[1].elements[0].str, "a");
  EXPECT_TRUE(r[8].elements[1].elements[1].is_nil());
  EXPECT_EQ(r[8].elements[2].elements[0].elements[0].type, Type::status);
  EXPECT_EQ(r[8].elements[2].elements[0].elements[0].str, "deep");
  EXPECT_EQ(r[9].str, std::string("a\r\nb\r\n"));  // a bulk containing CRLF
  EXPECT_FALSE(r[0].is_error());
  EXPECT_EQ(r[0].error_kind(), "");
}

TEST(RedisReplyReader, ErrorKindOfASingleWord) {
  const auto r = read_all("-NOSCRIPT\r\n-ERR unknown command 'FOO'\r\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].error_kind(), "NOSCRIPT");
  EXPECT_EQ(r[1].error_kind(), "ERR");
  EXPECT_EQ(r[1].str, "ERR unknown command 'FOO'");
}

TEST(RedisReplyReader, ByteByByteEqualsWhole) {
  const auto whole = read_all(kMixed);
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 16u}) {
    const auto pieces = read_all(kMixed, chunk);
    ASSERT_EQ(pieces.size(), whole.size()) << "chunk " << chunk;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_TRUE(same(whole[i], pieces[i])) << "chunk " << chunk << " reply " << i;
    }
  }
}

TEST(RedisReplyReader, IncompleteReplyWaitsForMore) {
  ReplyReader reader;
  Reply r;
  reader.feed("$5\r\nhel");
  EXPECT_EQ(reader.next(r), ReplyReader::Next::need_more);
  reader.feed("lo\r\n*2\r\n:1\r\n");
  ASSERT_EQ(reader.next(r), ReplyReader::Next::reply);
  EXPECT_EQ(r.str, "hello");
  EXPECT_EQ(reader.next(r), ReplyReader::Next::need_more);
  reader.feed(":2\r\n");
  ASSERT_EQ(reader.next(r), ReplyReader::Next::reply);
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[1].integer, 2);
}

TEST(RedisReplyReader, FiveMegabyteBulk) {
  std::string payload(5 * 1024 * 1024, 'x');
  for (std::size_t i = 0; i < payload.size(); i += 4099) payload[i] = static_cast<char>(i % 256);
  const std::string wire = "$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\n:7\r\n";
  for (std::size_t chunk : {std::size_t{0}, std::size_t{65536}}) {
    const auto r = read_all(wire, chunk);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].type, Type::string);
    EXPECT_TRUE(r[0].str == payload);
    EXPECT_EQ(r[1].integer, 7);
  }
}

TEST(RedisReplyReader, ProtocolErrorBreaksTheReader) {
  for (const std::string bad : {"?what\r\n", "$abc\r\n", ":12x\r\n", "*1\r\n!\r\n"}) {
    ReplyReader reader;
    reader.feed(bad);
    Reply r;
    EXPECT_EQ(reader.next(r), ReplyReader::Next::protocol_error) << bad;
    EXPECT_TRUE(reader.failed());
    EXPECT_FALSE(reader.error().empty());
    EXPECT_FALSE(reader.feed("+OK\r\n"));  // stays broken
    EXPECT_EQ(reader.next(r), ReplyReader::Next::protocol_error);
  }
  // The replies before the bad byte are still read.
  bool error = false;
  const auto r = read_all("+OK\r\n:1\r\n?\r\n", 0, &error);
  EXPECT_TRUE(error);
  EXPECT_EQ(r.size(), 2u);
}

TEST(RedisReplyReader, TooDeepIsAProtocolError) {
  std::string deep;
  for (int i = 0; i < 12; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  bool error = false;
  read_all(deep, 0, &error);
  EXPECT_TRUE(error);
}

TEST(RedisCommandEncoder, ArraysOfBulkStrings) {
  std::string out;
  encode_command({"SET", "k", "v"}, out);
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  EXPECT_EQ(encode_commands({{"PING"}, {"GET", ""}}),
            "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(RedisCommandEncoder, BinarySafe) {
  const std::string binary("a\0b\r\n$-1\r\n\xff", 11);
  const auto wire = encode_commands({{"SET", binary, std::string(1, '\0')}});
  EXPECT_EQ(wire,
            "*3\r\n$3\r\nSET\r\n$11\r\n" + binary + "\r\n$1\r\n" + std::string(1, '\0') + "\r\n");
  // A server reads back exactly what we sent: the request is valid RESP, as the reader sees it.
  const auto r = read_all(wire);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].elements.size(), 3u);
  EXPECT_EQ(r[0].elements[1].str, binary);
  EXPECT_EQ(r[0].elements[2].str, std::string(1, '\0'));
}

}  // namespace
}  // namespace streampulse::redis::detail
