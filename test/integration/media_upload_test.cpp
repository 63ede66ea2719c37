// `streampulse media upload` (the real binary) against a test server: a folder PUT under
// /media/, then registered as a stream (the media origin itself: media_test.cpp).
#include "media_support.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <boost/json.hpp>

#include <cstdio>
#include <string>

namespace {

using streampulse::testing::http_get;
using streampulse::testing::TestServer;
using namespace media_test;

struct Run {
  int exit_code = -1;
  std::string output;
};

Run run_binary(const std::string& args) {
  Run run;
  // The command's environment defaults must not leak in from the test's environment.
  const std::string command = "env -u STREAMPULSE_ADMIN_TOKEN -u STREAMPULSE_SIM_TARGET " +
                              std::string(STREAMPULSE_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return run;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) run.output.append(buf, n);
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

TEST(Media, UploadCommandPutsAFolder) {
  TempDir dir;
  const std::string manifest = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\nv/seg0.ts\n";
  const std::string segment = binary_bytes(200'000);
  dir.write("master.m3u8", manifest);
  dir.write("v/seg0.ts", segment);
  dir.write("v/seg1.ts", "second");
  dir.write(".DS_Store", "junk");
  dir.write(".cache/seg.ts", "junk");
  TestServer server;
  const std::string target = "http://127.0.0.1:" + std::to_string(server.port());

  const auto ok = run_binary("media upload '" + dir.path().string() + "' --prefix vod --target " +
                             target + " --admin-token test-admin");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("created   vod/master.m3u8"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("3 files, 3 stored"), std::string::npos) << ok.output;
  EXPECT_EQ(http_get(server.port(), "/media/vod/master.m3u8").body, manifest);
  const auto seg = http_get(server.port(), "/media/vod/v/seg0.ts");
  EXPECT_EQ(seg.status, 200u);
  EXPECT_TRUE(seg.body == segment);
  EXPECT_EQ(http_get(server.port(), "/media/vod/v/seg1.ts").body, "second");
  EXPECT_EQ(ok.output.find("DS_Store"), std::string::npos) << ok.output;
  EXPECT_EQ(ok.output.find(".cache"), std::string::npos) << ok.output;

  const auto again =
      run_binary("media upload '" + dir.path().string() + "' --prefix /vod/ --target " + target +
                 " --admin-token test-admin");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("3 replaced"), std::string::npos) << again.output;

  const auto refused = run_binary("media upload '" + dir.path().string() + "' --target " + target +
                                  " --admin-token wrong");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("401"), std::string::npos) << refused.output;

  const auto help = run_binary("media upload --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("http://127.0.0.1:8080"), std::string::npos) << help.output;
  EXPECT_EQ(run_binary("media upload '" + dir.path().string() + "' --target " + target).exit_code,
            2);
}

// The uploaded folder becomes a stream of the catalog (issue 15): id = the prefix, the master
// playlist's URL, the name from --name (else the prefix).
TEST(Media, UploadCommandRegistersTheStream) {
  TempDir dir;
  dir.write("master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nv/index.m3u8\n");
  dir.write("v/index.m3u8", "#EXTM3U\n#EXTINF:6,\nseg0.ts\n");
  dir.write("v/seg0.ts", "segment");
  TestServer server;
  const std::string target = "http://127.0.0.1:" + std::to_string(server.port());
  const std::string common = " --target " + target + " --admin-token test-admin";

  const auto named = run_binary("media upload '" + dir.path().string() +
                                "' --prefix show-1 --name 'The first show'" + common);
  EXPECT_EQ(named.exit_code, 0) << named.output;
  EXPECT_NE(named.output.find("created   stream 'show-1'"), std::string::npos) << named.output;
  EXPECT_NE(named.output.find("/?streamId=show-1"), std::string::npos) << named.output;
  const auto cfg = http_get(server.port(), "/api/player-config?stream=show-1");
  ASSERT_EQ(cfg.status, 200u) << cfg.body;
  EXPECT_EQ(boost::json::parse(cfg.body).at("stream"),
            boost::json::parse(R"({"id":"show-1","url":"/media/show-1/master.m3u8",
                                   "name":"The first show"})"));

  // Without --name the stream is named after the prefix; again: replaced.
  const auto plain =
      run_binary("media upload '" + dir.path().string() + "' --prefix show2" + common);
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(boost::json::parse(http_get(server.port(), "/api/player-config?stream=show2").body)
                .at("stream")
                .at("name"),
            "show2");
  const auto again =
      run_binary("media upload '" + dir.path().string() + "' --prefix show2" + common);
  EXPECT_NE(again.output.find("replaced  stream 'show2'"), std::string::npos) << again.output;

  // A nested prefix is no stream id: uploaded, not registered, said so.
  const auto nested =
      run_binary("media upload '" + dir.path().string() + "' --prefix a/b" + common);
  EXPECT_EQ(nested.exit_code, 0) << nested.output;
  EXPECT_NE(nested.output.find("no stream registered"), std::string::npos) << nested.output;
  EXPECT_EQ(http_get(server.port(), "/api/player-config?stream=a").status, 404u);
  // --name with such a prefix, or a bad name: refused before anything is uploaded.
  EXPECT_EQ(run_binary("media upload '" + dir.path().string() + "' --prefix a/b --name X" + common)
                .exit_code,
            2);
  EXPECT_EQ(run_binary("media upload '" + dir.path().string() + "' --prefix c --name ' '" + common)
                .exit_code,
            2);
  EXPECT_EQ(http_get(server.port(), "/media/c/master.m3u8").status, 404u);
}

}  // namespace
