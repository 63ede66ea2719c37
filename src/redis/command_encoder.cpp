// RESP request encoding: every command is an array of bulk strings, so any byte may appear in
// an argument (https://redis.io/docs/latest/develop/reference/protocol-spec/#sending-commands).
#include "reply_reader.hpp"

namespace streampulse::redis::detail {

void encode_command(const Command& command, std::string& out) {
  out += '*';
  out += std::to_string(command.size());
  out += "\r\n";
  for (const auto& arg : command) {
    out += '$';
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
}

std::string encode_commands(const std::vector<Command>& commands) {
  std::string out;
  std::size_t size = 0;
  for (const auto& c : commands) {
    size += 16;
    for (const auto& a : c) size += a.size() + 16;
  }
  out.reserve(size);
  for (const auto& c : commands) encode_command(c, out);
  return out;
}

}  // namespace streampulse::redis::detail
