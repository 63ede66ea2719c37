// The catalog of streams (issue 15, part 1) across a restart: with a data dir, without one (in
// memory), and on Momento (the cache's dictionary, against the fake).
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

TEST(Streams, TheCatalogSurvivesARestartWithADataDir) {
  const auto dir = temp_dir("streams");
  auto config = test_config();
  config.data_dir = dir.string();
  std::map<std::string, std::string> before;
  {
    TestServer server(config);
    const auto port = server.port();
    ASSERT_EQ(put_stream(port, "a", body_of("A", "/media/a/master.m3u8")).status, 201u);
    ASSERT_EQ(put_stream(port, "b", body_of("B", "https://cdn.example.com/b.m3u8")).status, 201u);
    ASSERT_EQ(put_stream(port, "gone", body_of("Gone", "/g")).status, 201u);
    ASSERT_EQ(delete_stream(port, "gone").status, 204u);
    ASSERT_EQ(put_stream(port, "main", body_of("Renamed main", "/media/m/master.m3u8")).status,
              200u);
    before = catalog(port);
    ASSERT_EQ(before.size(), 3u);
  }  // stopped
  EXPECT_TRUE(fs::exists(dir / "streams.json"));
  {
    TestServer again(config);
    EXPECT_EQ(catalog(again.port()), before);
    const auto cfg = http_get(again.port(), "/api/player-config?stream=b");
    EXPECT_EQ(json::parse(cfg.body).at("stream").at("url"), "https://cdn.example.com/b.m3u8");
  }
  // A damaged file: kept aside, and the service starts with the default stream.
  { std::ofstream(dir / "streams.json", std::ios::trunc) << "{\"version\":1,\"streams\":["; }
  {
    TestServer damaged(config);
    EXPECT_EQ(catalog(damaged.port()),
              (std::map<std::string, std::string>{
                  {"main", "Sample stream | /media/sample/master.m3u8 | default"}}));
  }
  bool copied_aside = false;
  for (const auto& entry : fs::directory_iterator(dir))
    copied_aside |= entry.path().filename().string().starts_with("streams.json.corrupt-");
  EXPECT_TRUE(copied_aside);
  fs::remove_all(dir);
}

TEST(Streams, WithoutADataDirTheCatalogLivesInMemory) {
  {
    TestServer server;
    ASSERT_EQ(put_stream(server.port(), "a", body_of("A", "/a")).status, 201u);
    EXPECT_EQ(catalog(server.port()).size(), 2u);
  }
  TestServer restarted;
  EXPECT_EQ(catalog(restarted.port()).size(), 1u);
}

TEST(Streams, OnMomentoTheCatalogIsTheCachesDictionary) {
  FakeMomento fake;
  std::map<std::string, std::string> before;
  {
    TestServer server(momento_config(fake));
    const auto port = server.port();
    ASSERT_EQ(put_stream(port, "a", body_of("A", "/media/a/master.m3u8")).status, 201u);
    ASSERT_EQ(put_stream(port, "b", body_of("B", "/media/b/master.m3u8")).status, 201u);
    ASSERT_EQ(delete_stream(port, "b").status, 204u);
    const auto dict = fake.dictionary("streams");
    ASSERT_EQ(dict.size(), 1u);
    EXPECT_EQ(dict[0].field, "a");
    EXPECT_EQ(json::parse(dict[0].value),
              json::parse(R"({"name":"A","url":"/media/a/master.m3u8"})"));

    // Momento fails: the change is refused and not made.
    Faults faults;
    faults.fail_status = 503;
    faults.path_prefix = "/cache_client.Scs/Dictionary";
    fake.set_faults(faults);
    const auto refused = put_stream(port, "c", body_of("C", "/c"));
    EXPECT_EQ(refused.status, 503u) << refused.body;
    EXPECT_EQ(delete_stream(port, "a").status, 503u);
    fake.clear_faults();
    before = catalog(port);
    EXPECT_EQ(before.size(), 2u);
    EXPECT_TRUE(before.contains("a"));
  }
  TestServer restarted(momento_config(fake));
  EXPECT_EQ(catalog(restarted.port()), before);
}
