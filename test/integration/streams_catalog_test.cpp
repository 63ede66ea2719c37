// The catalog of streams (issue 15, part 1) through a real server: GET /api/streams, PUT and
// DELETE /api/streams/{id} with and without the admin token, every bad input (4xx, no change),
// the default stream's rules and /api/player-config?stream=.
#include "backends.hpp"
#include "streams_support.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

using namespace streampulse;
using namespace streampulse::testing;
using namespace streampulse::testing::streams;
namespace json = boost::json;
namespace fs = std::filesystem;
namespace bh = boost::beast::http;

TEST(Streams, TheDefaultStreamIsListedWithTheServiceFigures) {
  TestServer server;
  auto streams = list(server.port());
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].at("id").as_string(), "main");
  EXPECT_EQ(streams[0].at("name").as_string(), "Sample stream");
  EXPECT_EQ(streams[0].at("url").as_string(), "/media/sample/master.m3u8");
  EXPECT_TRUE(streams[0].at("default").as_bool());
  EXPECT_EQ(streams[0].at("players"), json::parse(R"({"active":0,"total":0})"));

  ASSERT_EQ(send_webhook(server.port(), kHeartbeat).status, 204u);
  ASSERT_EQ(
      put_stream(server.port(), "show", body_of("The show", "/media/show/master.m3u8")).status,
      201u);
  streams = list(server.port());
  ASSERT_EQ(streams.size(), 2u);
  // A heartbeat without a stream is the default stream's ...
  EXPECT_EQ(streams[0].at("players"), json::parse(R"({"active":1,"total":1})"));
  // ... and a stream nobody watched has no players and no peak yet.
  EXPECT_EQ(streams[1].at("id").as_string(), "show");
  EXPECT_FALSE(streams[1].at("default").as_bool());
  EXPECT_EQ(streams[1].at("players"), json::parse(R"({"active":0,"total":0})"));
  EXPECT_TRUE(streams[1].at("peak").is_null());
}

TEST(Streams, ChangesNeedTheAdminToken) {
  TestServer server;
  const auto before = catalog(server.port());
  const std::map<std::string, std::string> wrong{{"authorization", "Bearer nope"}};
  for (const auto& headers : {std::map<std::string, std::string>{}, wrong}) {
    const auto put = put_stream(server.port(), "show", body_of("S", "/s"), headers);
    EXPECT_EQ(put.status, 401u);
    EXPECT_EQ(error_code(put), "unauthorized");
    EXPECT_EQ(delete_stream(server.port(), "main", headers).status, 401u);
  }
  EXPECT_EQ(catalog(server.port()), before);

  auto config = test_config();
  config.admin_token.clear();
  TestServer no_admin(config);
  const auto put = put_stream(no_admin.port(), "show", body_of("S", "/s"));
  EXPECT_EQ(put.status, 503u);
  EXPECT_EQ(error_code(put), "admin_disabled");
  EXPECT_EQ(delete_stream(no_admin.port(), "x").status, 503u);
  EXPECT_EQ(list(no_admin.port()).size(), 1u);
}

TEST(Streams, PutCreatesThenReplacesAndDeleteRemoves) {
  TestServer server;
  const auto port = server.port();
  auto created = put_stream(port, "show-1", body_of("Show one", "https://cdn.example.com/1.m3u8"));
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.headers["location"], "/api/streams/show-1");
  EXPECT_EQ(json::parse(created.body),
            json::parse(R"({"id":"show-1","name":"Show one","url":"https://cdn.example.com/1.m3u8",
                            "default":false})"));
  auto replaced = put_stream(port, "show-1", body_of("Show 1", "/media/show-1/master.m3u8"));
  ASSERT_EQ(replaced.status, 200u) << replaced.body;
  EXPECT_EQ(json::parse(replaced.body).at("name").as_string(), "Show 1");
  EXPECT_EQ(catalog(port).at("show-1"), "Show 1 | /media/show-1/master.m3u8");

  EXPECT_EQ(delete_stream(port, "show-1").status, 204u);
  EXPECT_FALSE(catalog(port).contains("show-1"));
  const auto again = delete_stream(port, "show-1");
  EXPECT_EQ(again.status, 404u);
  EXPECT_EQ(error_code(again), "stream_not_found");
  EXPECT_NE(again.body.find("show-1"), std::string::npos);
}

TEST(Streams, EveryBadInputIsA4xxAndChangesNothing) {
  TestServer server;
  const auto port = server.port();
  ASSERT_EQ(put_stream(port, "kept", body_of("Kept", "/media/kept/master.m3u8")).status, 201u);
  const auto before = catalog(port);
  struct Case {
    std::string id, body;
    unsigned status;
  };
  const std::string long_id(65, 'a');
  const std::vector<Case> cases{
      // ids in the path
      {"a.b", body_of("N", "/u"), 400u},
      {"a%20b", body_of("N", "/u"), 400u},
      {long_id, body_of("N", "/u"), 400u},
      {"a/b", body_of("N", "/u"), 400u},
      {"", body_of("N", "/u"), 400u},
      // bodies
      {"kept", "not json", 400u},
      {"kept", "[1,2]", 400u},
      {"kept", R"({"url":"/u"})", 400u},
      {"kept", R"({"name":"N"})", 400u},
      {"kept", R"({"name":7,"url":"/u"})", 400u},
      {"kept", R"({"name":"N","url":null})", 400u},
      // names
      {"kept", body_of("", "/u"), 400u},
      {"kept", body_of("   ", "/u"), 400u},
      {"kept", body_of(std::string(201, 'n'), "/u"), 400u},
      {"kept", body_of("line\nbreak", "/u"), 400u},
      // URLs
      {"kept", body_of("N", "javascript:alert(1)"), 400u},
      {"kept", body_of("N", "media/kept/master.m3u8"), 400u},
      {"kept", body_of("N", "//evil.example/x.m3u8"), 400u},
      {"kept", body_of("N", "ftp://h/x.m3u8"), 400u},
      {"kept", body_of("N", "https:///x.m3u8"), 400u},
      {"kept", body_of("N", "/" + std::string(2048, 'u')), 400u},
      {"new", body_of("N", "/a b"), 400u},
      // a body over the route's 8 KiB
      {"kept", body_of(std::string(9000, 'n'), "/u"), 413u},
  };
  for (const auto& c : cases) {
    const auto r = put_stream(port, c.id, c.body);
    EXPECT_EQ(r.status, c.status) << c.id << " " << c.body.substr(0, 80) << ": " << r.body;
    if (c.status == 400u) {
      EXPECT_EQ(error_code(r), "invalid_stream") << r.body;
    }
    EXPECT_EQ(catalog(port), before) << c.id << " " << c.body.substr(0, 80);
  }
  for (const auto& id : {std::string("a.b"), long_id, std::string("")}) {
    const auto r = delete_stream(port, id);
    EXPECT_EQ(r.status, 400u) << id << ": " << r.body;
    EXPECT_EQ(catalog(port), before);
  }
}

TEST(Streams, TheDefaultStreamCannotBeRemovedButMayBeChanged) {
  auto config = test_config();
  config.stream_id = "lobby";
  TestServer server(config);
  const auto port = server.port();
  const auto removed = delete_stream(port, "lobby");
  EXPECT_EQ(removed.status, 409u);
  EXPECT_EQ(error_code(removed), "default_stream");
  EXPECT_EQ(catalog(port).at("lobby"), "Sample stream | /media/sample/master.m3u8 | default");

  const auto changed = put_stream(port, "lobby", body_of("Lobby", "/media/lobby/master.m3u8"));
  ASSERT_EQ(changed.status, 200u) << changed.body;
  EXPECT_TRUE(json::parse(changed.body).at("default").as_bool());
  EXPECT_EQ(catalog(port).at("lobby"), "Lobby | /media/lobby/master.m3u8 | default");
  // The page's default follows.
  const auto cfg = json::parse(http_get(port, "/api/player-config").body);
  EXPECT_EQ(cfg.at("stream"), json::parse(R"({"id":"lobby","url":"/media/lobby/master.m3u8",
                                              "name":"Lobby"})"));
  EXPECT_EQ(delete_stream(port, "lobby").status, 409u);
}

TEST(Streams, PlayerConfigPlaysTheStreamAskedFor) {
  TestServer server;
  const auto port = server.port();
  ASSERT_EQ(put_stream(port, "show", body_of("The show", "/media/show/master.m3u8")).status, 201u);
  const auto cfg = http_get(port, "/api/player-config?stream=show");
  ASSERT_EQ(cfg.status, 200u) << cfg.body;
  EXPECT_EQ(json::parse(cfg.body).at("stream"),
            json::parse(R"({"id":"show","url":"/media/show/master.m3u8","name":"The show"})"));
  // Without the parameter: the default, as before.
  EXPECT_EQ(json::parse(http_get(port, "/api/player-config").body).at("stream").at("name"),
            "Sample stream");
  const auto missing = http_get(port, "/api/player-config?stream=nope");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(error_code(missing), "stream_not_found");
  EXPECT_NE(missing.body.find("'nope'"), std::string::npos) << missing.body;
  EXPECT_EQ(http_get(port, "/api/player-config?stream=a%2Fb").status, 404u);
  EXPECT_EQ(http_get(port, "/api/player-config?stream=").status, 404u);
}
