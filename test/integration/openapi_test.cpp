// The OpenAPI description (static/openapi.json, served as GET /openapi.json) against a real
// server: every documented operation is routed (no "no route" 404, no 405). test/openapi/check.mjs
// validates the document itself against the OpenAPI 3.1 schema.
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

using namespace streampulse::testing;
namespace json = boost::json;
namespace bh = boost::beast::http;
namespace asio = boost::asio;

namespace {

// A concrete target for a templated path: the parameters that the test server has.
std::string concrete(std::string path) {
  const std::pair<const char*, const char*> params[] = {{"{cache}", "video"},
                                                        {"{topic}", "nothing-here"},
                                                        {"{path}", "missing.txt"},
                                                        {"{id}", "nothing-here"}};
  for (const auto& [name, value] : params) {
    if (auto at = path.find(name); at != std::string::npos)
      path.replace(at, std::string(name).size(), value);
  }
  return path;
}

// The status of a GET whose body never ends (an event stream): read the status line only.
unsigned streamed_status(unsigned short port, const std::string& target) {
  asio::io_context ioc;
  asio::ip::tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string line;
  asio::read_until(s, asio::dynamic_buffer(line), "\r\n");
  return static_cast<unsigned>(std::stoul(line.substr(9, 3)));
}

bool is_event_stream(const json::value& op) {
  const auto* ok = op.as_object().at("responses").as_object().if_contains("200");
  const auto* content = ok ? ok->as_object().if_contains("content") : nullptr;
  return content && content->as_object().contains("text/event-stream");
}

}  // namespace

TEST(OpenApi, EveryDocumentedOperationIsServed) {
  TestServer server;
  auto doc = http_get(server.port(), "/openapi.json");
  ASSERT_EQ(doc.status, 200u);
  EXPECT_EQ(doc.headers["content-type"].rfind("application/json", 0), 0u)
      << doc.headers["content-type"];
  const auto spec = json::parse(doc.body).as_object();
  EXPECT_EQ(spec.at("openapi").as_string().subview().substr(0, 3), "3.1");
  std::size_t checked = 0;
  for (const auto& [path, item] : spec.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (method == "parameters") continue;
      std::string upper(method);
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const auto verb = bh::string_to_verb(upper);
      ASSERT_NE(verb, bh::verb::unknown) << method;
      const std::string target = concrete(std::string(path));
      if (is_event_stream(op)) {
        EXPECT_EQ(streamed_status(server.port(), target), 200u) << target;
        ++checked;
        continue;
      }
      auto r = http_request(server.port(), verb, target);
      EXPECT_NE(r.status, 405u) << method << " " << target << ": " << r.body;
      EXPECT_EQ(r.body.find("no route"), std::string::npos) << method << " " << target;
      ++checked;
    }
  }
  EXPECT_GE(checked, 20u);
}
