#pragma once
// RESP2 parsing and encoding for the Redis client. Private to src/redis (the fuzzers and unit
// tests include it from there).
//
// ReplyReader wraps hiredis's stream parser (hiredis/read.h) with a function table that builds
// redis::Reply values directly, so no redisReply is ever made or copied.
#include "streampulse/redis/client.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace streampulse::redis::detail {

class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  // Appends bytes read from the server. False once the stream is broken (protocol error).
  bool feed(std::string_view bytes);

  enum class Next { reply, need_more, protocol_error };
  // The next complete reply into `out`, or need_more, or protocol_error (error() says why; the
  // reader stays broken: the connection must be closed).
  Next next(Reply& out);

  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

 private:
  void fail();
  redisReader* reader_ = nullptr;
  bool failed_ = false;
  std::string error_;
};

// Appends `command` as a RESP array of bulk strings (binary-safe).
void encode_command(const Command& command, std::string& out);
// All of `commands`, one after the other (one pipelined write).
std::string encode_commands(const std::vector<Command>& commands);

}  // namespace streampulse::redis::detail
