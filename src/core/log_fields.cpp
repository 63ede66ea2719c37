#include "streampulse/core/log_fields.hpp"

#include "streampulse/core/json_text.hpp"

namespace streampulse::core {

LogFields& LogFields::add(std::string_view name, std::string_view text) {
  if (!members_.empty()) members_ += ',';
  append_json_string(members_, name);
  members_ += ':';
  append_json_string(members_, text);
  return *this;
}

LogFields& LogFields::add(std::string_view name, std::int64_t number) {
  if (!members_.empty()) members_ += ',';
  append_json_string(members_, name);
  members_ += ':';
  members_ += std::to_string(number);
  return *this;
}

std::string LogFields::with_message(std::string_view message) const {
  std::string out;
  out.reserve(members_.size() + message.size() + 2);
  out += kLogFieldsMark;
  out += members_;
  out += kLogFieldsMark;
  out += message;
  return out;
}

SplitLogLine split_log_line(std::string_view payload) {
  if (payload.empty() || payload.front() != kLogFieldsMark) return {{}, payload};
  const auto end = payload.find(kLogFieldsMark, 1);
  if (end == std::string_view::npos) return {{}, payload};
  return {payload.substr(1, end - 1), payload.substr(end + 1)};
}

}  // namespace streampulse::core
