#pragma once
// Shared by the stream catalog tests (streams_catalog_test.cpp, streams_persistence_test.cpp):
// PUT and DELETE of a stream as the operator, GET /api/streams as a list and as a map, the
// error code of a JSON answer, a heartbeat, and a fresh data folder.
#include "api_helpers.hpp"
#include "persistence_support.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <map>
#include <string>

namespace streampulse::testing::streams {

namespace json = boost::json;
namespace bh = boost::beast::http;
using api_helpers::kAdmin;
using persistence::temp_dir;

inline HttpResult put_stream(unsigned short port, const std::string& id, const std::string& body,
                             const std::map<std::string, std::string>& headers = kAdmin) {
  return http_request(port, bh::verb::put, "/api/streams/" + id, body, headers);
}

inline HttpResult delete_stream(unsigned short port, const std::string& id,
                                const std::map<std::string, std::string>& headers = kAdmin) {
  return http_request(port, bh::verb::delete_, "/api/streams/" + id, {}, headers);
}

inline std::string body_of(const std::string& name, const std::string& url) {
  return json::serialize(json::object{{"name", name}, {"url", url}});
}

inline json::array list(unsigned short port) {
  const auto r = http_get(port, "/api/streams");
  EXPECT_EQ(r.status, 200u) << r.body;
  return json::parse(r.body).at("streams").as_array();
}

// id -> {name, url, default} of GET /api/streams, figures left out.
inline std::map<std::string, std::string> catalog(unsigned short port) {
  std::map<std::string, std::string> out;
  for (const auto& s : list(port)) {
    out[std::string(s.at("id").as_string())] = std::string(s.at("name").as_string()) + " | " +
                                               std::string(s.at("url").as_string()) +
                                               (s.at("default").as_bool() ? " | default" : "");
  }
  return out;
}

inline std::string error_code(const HttpResult& r) {
  const auto doc = json::parse(r.body);
  EXPECT_TRUE(doc.as_object().contains("message")) << r.body;
  return std::string(doc.at("error").as_string());
}

inline const std::string kHeartbeat =
    R"({"playerId":"p1","bitrate":500,"playTime":10,"agent":{"os":"Linux","browser":"Firefox","device":"Desktop"}})";

}  // namespace streampulse::testing::streams
