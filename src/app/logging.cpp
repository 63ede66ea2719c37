#include "streampulse/app/logging.hpp"

#include "streampulse/core/json_text.hpp"
#include "streampulse/core/log_fields.hpp"

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <optional>
#include <string>

namespace streampulse::app {
namespace {

// %j: the message as a JSON string literal (quotes and escapes included), then the line's
// fields as members of the same object when it has some (core/log_fields.hpp).
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const auto line =
        core::split_log_line(std::string_view(msg.payload.data(), msg.payload.size()));
    std::string out;
    core::append_json_string(out, line.message);
    if (!line.members.empty()) {
      out += ',';
      out += line.members;
    }
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// %k: the message alone, its fields left out (the text format).
class TextMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const auto line =
        core::split_log_line(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.message.data(), line.message.data() + line.message.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TextMessageFlag>();
  }
};

}  // namespace

void setup_logging(const std::string& level, config::LogFormat format) {
  // One logger per process: a second service in the same process (tests run several) only
  // sets the level, since replacing the default logger races with threads logging through it.
  static std::mutex mutex;
  static std::optional<config::LogFormat> made_for;  // the format of the logger made
  std::lock_guard lock(mutex);
  if (made_for == format) {
    spdlog::default_logger_raw()->set_level(spdlog::level::from_str(level));
    return;
  }
  made_for = format;
  if (!spdlog::thread_pool()) spdlog::init_thread_pool(8192, 1);
  auto logger = std::make_shared<spdlog::async_logger>(
      "streampulse", std::make_shared<spdlog::sinks::stdout_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  if (format == config::LogFormat::json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonMessageFlag>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":%j})");
    logger->set_formatter(std::move(formatter));
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<TextMessageFlag>('k').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %k");
    logger->set_formatter(std::move(formatter));
  }
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace streampulse::app
