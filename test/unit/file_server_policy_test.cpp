// The file server on a temporary media root: content types, what it refuses (escapes, hidden
// files), CORS and the HLS cache policy, and the root with a trailing slash.
#include "file_server_fixture.hpp"
#include "streampulse/http/file_server.hpp"

#include <gtest/gtest.h>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

using namespace file_server_test;

TEST(FileServerContentType, ByExtension) {
  EXPECT_EQ(content_type_for("a/master.m3u8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(content_type_for("seg.ts"), "video/mp2t");
  EXPECT_EQ(content_type_for("seg.M4S"), "video/iso.segment");
  EXPECT_EQ(content_type_for("init.mp4"), "video/mp4");
  EXPECT_EQ(content_type_for("a.aac"), "audio/aac");
  EXPECT_EQ(content_type_for("sub.vtt"), "text/vtt");
  EXPECT_EQ(content_type_for("player.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("x.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("f.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("x.js.map"), "application/json");
  EXPECT_EQ(content_type_for("dir.ts/noext"), "application/octet-stream");
  EXPECT_EQ(content_type_for("blob.bin"), "application/octet-stream");
}

TEST_F(FileServerTest, RefusesEscapesAndHiddenThings) {
  const auto traversal = get("/media/../outside.txt");
  EXPECT_EQ(traversal.result(), bhttp::status::not_found);
  EXPECT_EQ(traversal.body(), R"({"error":"not_found","message":"no such file: ../outside.txt"})");
  EXPECT_EQ(get("/media/sample/%2E%2E/%2E%2E/outside.txt").result(), bhttp::status::not_found);
  EXPECT_EQ(get("/media/sample%2Fmaster.m3u8").result(), bhttp::status::bad_request);
  EXPECT_EQ(get("/media/sample%5cmaster.m3u8").result(), bhttp::status::bad_request);
  EXPECT_EQ(get("/media/escape.txt").result(), bhttp::status::not_found);
  EXPECT_EQ(get("/media/sample").result(), bhttp::status::not_found);
  EXPECT_EQ(get("/media/sample/").result(), bhttp::status::not_found);
  EXPECT_EQ(get("/media/").result(), bhttp::status::not_found);
  EXPECT_EQ(get("/media/.secret").result(), bhttp::status::not_found);
  EXPECT_EQ(get("/media/sample//master.m3u8").result(), bhttp::status::not_found);
  EXPECT_EQ(get("/media//etc/passwd").result(), bhttp::status::not_found);
  EXPECT_EQ(get("/media/sample/master.m3u8%00.ts").result(), bhttp::status::not_found);
  const auto missing = get("/media/sample/nope.ts");
  EXPECT_EQ(missing.result(), bhttp::status::not_found);
  EXPECT_EQ(missing.body(), R"({"error":"not_found","message":"no such file: sample/nope.ts"})");
  // A FIFO would block open(2) for reading; it must be a quick 404 instead.
  ASSERT_EQ(::mkfifo((root_ / "pipe.ts").c_str(), 0600), 0);
  EXPECT_EQ(get("/media/pipe.ts").result(), bhttp::status::not_found);
  // A symlink that stays inside the root is fine.
  EXPECT_EQ(get("/media/sample/alias.m3u8").result(), bhttp::status::ok);
}

TEST_F(FileServerTest, CorsAndHlsCachePolicy) {
  FileServerOptions media;
  media.cors = true;
  media.hls_cache_policy = true;
  const auto manifest = get("/media/sample/master.m3u8", {}, media);
  EXPECT_EQ(manifest[bhttp::field::access_control_allow_origin], "*");
  EXPECT_NE(manifest[bhttp::field::access_control_expose_headers].find("Content-Range"),
            std::string::npos);
  EXPECT_EQ(manifest[bhttp::field::cache_control], "public, max-age=2");
  const auto segment =
      get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=0-0"}}, media);
  EXPECT_EQ(segment[bhttp::field::cache_control], "public, max-age=86400");
  EXPECT_EQ(segment[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ(get("/media/index.html", {}, media)[bhttp::field::cache_control],
            "public, max-age=300");

  FileServerOptions pages;
  pages.max_age_default = std::chrono::seconds{0};
  EXPECT_EQ(get("/media/index.html", {}, pages)[bhttp::field::cache_control], "no-cache");
}

TEST_F(FileServerTest, RootWithTrailingSlash) {
  FileServerOptions options;
  options.root = root_.string() + "/";
  Request req{bhttp::verb::get, "/media/index.html", 11};
  const auto url = boost::urls::parse_origin_form("/media/index.html").value();
  const auto m = to_message(FileServer(options).serve(req, "index.html", url));
  EXPECT_EQ(m.result(), bhttp::status::ok);
  EXPECT_EQ(m.body(), "<!doctype html>");
}

}  // namespace
