#include "streampulse/core/log_fields.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>

namespace streampulse::core {
namespace {

TEST(LogFields, CarriesNamedValuesAheadOfTheMessage) {
  LogFields f;
  f.add("remote", "127.0.0.1").add("path", "/a\"b").add("status", 404).add("us", -1);
  const auto payload = f.with_message("127.0.0.1 GET /a\"b 404");
  const auto line = split_log_line(payload);
  EXPECT_EQ(line.message, "127.0.0.1 GET /a\"b 404");
  // The members make a JSON object once braced: strings escaped, numbers as numbers.
  const auto doc = boost::json::parse("{" + std::string(line.members) + "}");
  EXPECT_EQ(doc.at("remote").as_string(), "127.0.0.1");
  EXPECT_EQ(doc.at("path").as_string(), "/a\"b");
  EXPECT_EQ(doc.at("status").as_int64(), 404);
  EXPECT_EQ(doc.at("us").as_int64(), -1);
}

TEST(LogFields, APlainMessageHasNoFields) {
  const auto line = split_log_line("capacity: 16320 connections");
  EXPECT_TRUE(line.members.empty());
  EXPECT_EQ(line.message, "capacity: 16320 connections");
  EXPECT_EQ(split_log_line("").message, "");
  // A lone mark (no closing one) is a message like any other.
  EXPECT_EQ(split_log_line("\x1eoops").message, "\x1eoops");
  const std::string payload = LogFields().with_message("m");  // the views point into it
  const auto empty = split_log_line(payload);
  EXPECT_TRUE(empty.members.empty());
  EXPECT_EQ(empty.message, "m");
}

}  // namespace
}  // namespace streampulse::core
