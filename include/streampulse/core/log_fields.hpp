#pragma once
// Log lines with fields: a message that also carries named values, so that the JSON log format
// writes them as fields of the line's object ("status": 200) while the text format shows only
// the message. The fields travel inside the message, ahead of it between two marks, because
// the asynchronous logger formats lines on its own thread (app/logging.cpp takes them apart).
#include <cstdint>
#include <string>
#include <string_view>

namespace streampulse::core {

inline constexpr char kLogFieldsMark = '\x1e';  // ASCII record separator: never in a message

class LogFields {
 public:
  LogFields& add(std::string_view name, std::string_view text);
  LogFields& add(std::string_view name, std::int64_t number);
  // The whole payload: mark, the fields as JSON members ("a":1,"b":"x"), mark, the message.
  std::string with_message(std::string_view message) const;

 private:
  std::string members_;
};

// Splits a payload made by with_message(): the JSON members (empty for a plain message) and
// the message itself.
struct SplitLogLine {
  std::string_view members, message;
};
SplitLogLine split_log_line(std::string_view payload);

}  // namespace streampulse::core
