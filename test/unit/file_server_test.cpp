#include "streampulse/http/file_server.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <boost/beast/http/parser.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;
using streampulse::http::content_type_for;
using streampulse::http::FileServer;
using streampulse::http::FileServerOptions;
using streampulse::http::Request;
using streampulse::http::Response;
using Parsed = bhttp::response<bhttp::string_body>;

constexpr std::size_t kSegmentSize = 1024 * 1024;
constexpr std::string_view kManifest = "#EXTM3U\n#EXT-X-VERSION:3\n";  // 25 bytes

std::string segment_bytes() {
  std::string s(kSegmentSize, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>((i * 31 + i / 251) & 0xff);
  return s;
}

void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

// Runs the message generator to the end and parses what it produced, as a client would.
Parsed to_message(Response res, bool head = false) {
  auto& gen = res.generator();
  std::string wire;
  while (!gen.is_done()) {
    boost::beast::error_code ec;
    const auto buffers = gen.prepare(ec);
    EXPECT_FALSE(ec) << ec.message();
    if (ec) break;
    std::size_t n = 0;
    for (const auto& b : buffers) {
      wire.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    gen.consume(n);
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(4 * kSegmentSize);
  parser.skip(head);
  boost::beast::error_code ec;
  parser.eager(true);
  const auto used = parser.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(used, wire.size()) << "bytes after the message";
  return parser.release();
}

class FileServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    base_ = fs::temp_directory_path() / ("streampulse-fs-" + std::to_string(rd()));
    root_ = base_ / "root";
    write_file(root_ / "sample/master.m3u8", std::string(kManifest));
    write_file(root_ / "empty.txt", "");
    write_file(root_ / "sample/v360p/seg0.ts", segment_bytes());
    write_file(root_ / "index.html", "<!doctype html>");
    write_file(root_ / ".secret", "token");
    write_file(base_ / "outside.txt", "private");
    fs::create_symlink(base_ / "outside.txt", root_ / "escape.txt");
    fs::create_symlink("master.m3u8", root_ / "sample/alias.m3u8");
  }
  void TearDown() override { fs::remove_all(base_); }

  Parsed get(const std::string& target, std::vector<std::pair<bhttp::field, std::string>> headers,
             FileServerOptions options = {}, bhttp::verb method = bhttp::verb::get) {
    options.root = root_.string();
    FileServer server(options);
    Request req{method, target, 11};
    for (auto& [f, v] : headers) req.set(f, v);
    const auto url = boost::urls::parse_origin_form(target).value();
    // As the router does for the prefix route "/media/": the decoded path after it.
    const std::string path = url.path();
    const auto rest = std::string_view(path).substr(std::string_view("/media/").size());
    return to_message(server.serve(req, rest, url), method == bhttp::verb::head);
  }
  Parsed get(const std::string& target) { return get(target, {}); }

  fs::path base_, root_;
};

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

TEST_F(FileServerTest, ServesWholeFileWithHeaders) {
  const auto m = get("/media/sample/master.m3u8");
  EXPECT_EQ(m.result(), bhttp::status::ok);
  EXPECT_EQ(m.body(), kManifest);
  EXPECT_EQ(m[bhttp::field::content_type], "application/vnd.apple.mpegurl");
  EXPECT_EQ(m["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(m[bhttp::field::accept_ranges], "bytes");
  EXPECT_EQ(m[bhttp::field::cache_control], "public, max-age=300");
  EXPECT_FALSE(m[bhttp::field::etag].empty());
  EXPECT_TRUE(m[bhttp::field::last_modified].ends_with(" GMT"));
  EXPECT_EQ(m.count(bhttp::field::access_control_allow_origin), 0u);

  const auto seg = get("/media/sample/v360p/seg0.ts");
  EXPECT_EQ(seg.result(), bhttp::status::ok);
  EXPECT_EQ(seg[bhttp::field::content_type], "video/mp2t");
  EXPECT_EQ(seg[bhttp::field::content_length], std::to_string(kSegmentSize));
  EXPECT_TRUE(seg.body() == segment_bytes());
}

TEST_F(FileServerTest, ByteRanges) {
  const auto all = segment_bytes();
  const auto a_b = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=100-70099"}});
  EXPECT_EQ(a_b.result(), bhttp::status::partial_content);
  EXPECT_EQ(a_b[bhttp::field::content_range], "bytes 100-70099/1048576");
  EXPECT_EQ(a_b[bhttp::field::content_length], "70000");
  EXPECT_TRUE(a_b.body() == all.substr(100, 70000));

  const auto open = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=1048000-"}});
  EXPECT_EQ(open.result(), bhttp::status::partial_content);
  EXPECT_EQ(open[bhttp::field::content_range], "bytes 1048000-1048575/1048576");
  EXPECT_TRUE(open.body() == all.substr(1048000));

  const auto suffix = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=-10"}});
  EXPECT_EQ(suffix.result(), bhttp::status::partial_content);
  EXPECT_EQ(suffix[bhttp::field::content_range], "bytes 1048566-1048575/1048576");
  EXPECT_TRUE(suffix.body() == all.substr(kSegmentSize - 10));

  // A last position past the end is clamped.
  const auto clamp = get("/media/sample/master.m3u8", {{bhttp::field::range, "bytes=0-999999"}});
  EXPECT_EQ(clamp.result(), bhttp::status::partial_content);
  EXPECT_EQ(clamp[bhttp::field::content_range], "bytes 0-24/25");

  const auto past = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=2000000-"}});
  EXPECT_EQ(past.result(), bhttp::status::range_not_satisfiable);
  EXPECT_EQ(past[bhttp::field::content_range], "bytes */1048576");

  const auto multi = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=0-1, 5-9"}});
  EXPECT_EQ(multi.result(), bhttp::status::ok);
  EXPECT_EQ(multi.body().size(), kSegmentSize);

  const auto empty = get("/media/empty.txt", {{bhttp::field::range, "bytes=0-"}});
  EXPECT_EQ(empty.result(), bhttp::status::range_not_satisfiable);
  EXPECT_EQ(empty[bhttp::field::content_range], "bytes */0");
  EXPECT_EQ(get("/media/empty.txt").body(), "");

  for (const char* ignored : {"bytes=9-3", "items=0-1", "bytes=x-1", "bytes=-"}) {
    EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::range, ignored}}).result(),
              bhttp::status::ok)
        << ignored;
  }
}

TEST_F(FileServerTest, ConditionalRequests) {
  const auto first = get("/media/sample/master.m3u8");
  const std::string etag(first[bhttp::field::etag]);
  const std::string modified(first[bhttp::field::last_modified]);

  const auto inm = get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, etag}});
  EXPECT_EQ(inm.result(), bhttp::status::not_modified);
  EXPECT_EQ(inm[bhttp::field::etag], etag);
  EXPECT_TRUE(inm.body().empty());
  const auto list =
      get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, "\"other\", W/" + etag}});
  EXPECT_EQ(list.result(), bhttp::status::not_modified);
  EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, "*"}}).result(),
            bhttp::status::not_modified);
  EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, "\"x\""}}).result(),
            bhttp::status::ok);

  EXPECT_EQ(
      get("/media/sample/master.m3u8", {{bhttp::field::if_modified_since, modified}}).result(),
      bhttp::status::not_modified);
  EXPECT_EQ(get("/media/sample/master.m3u8",
                {{bhttp::field::if_modified_since, "Sat, 01 Jan 2000 00:00:00 GMT"}})
                .result(),
            bhttp::status::ok);
  // If-None-Match wins over If-Modified-Since.
  EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, "\"x\""},
                                              {bhttp::field::if_modified_since, modified}})
                .result(),
            bhttp::status::ok);

  const auto range_ok = get("/media/sample/master.m3u8",
                            {{bhttp::field::range, "bytes=0-3"}, {bhttp::field::if_range, etag}});
  EXPECT_EQ(range_ok.result(), bhttp::status::partial_content);
  EXPECT_EQ(range_ok.body(), "#EXT");
  const auto by_date = get("/media/sample/master.m3u8", {{bhttp::field::range, "bytes=0-3"},
                                                         {bhttp::field::if_range, modified}});
  EXPECT_EQ(by_date.result(), bhttp::status::partial_content);
  const auto stale = get("/media/sample/master.m3u8",
                         {{bhttp::field::range, "bytes=0-3"}, {bhttp::field::if_range, "\"old\""}});
  EXPECT_EQ(stale.result(), bhttp::status::ok);
  EXPECT_EQ(stale.body(), kManifest);
}

TEST_F(FileServerTest, HttpDates) {
  using namespace std::chrono;
  const auto when = sys_days{1994y / November / 6} + 8h + 49min + 37s;
  fs::last_write_time(root_ / "sample/master.m3u8", fs::file_time_type::clock::from_sys(when));
  const auto m = get("/media/sample/master.m3u8");
  EXPECT_EQ(m[bhttp::field::last_modified], "Sun, 06 Nov 1994 08:49:37 GMT");
  // RFC 9110 §5.6.7: the obsolete RFC 850 and asctime forms must be understood too.
  for (const char* date : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                           "Sun Nov  6 08:49:37 1994", "Mon, 07 Nov 1994 00:00:00 GMT"}) {
    EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_modified_since, date}}).result(),
              bhttp::status::not_modified)
        << date;
  }
  for (const char* date :
       {"Sun, 06 Nov 1994 08:49:36 GMT", "yesterday", "Sun, 32 Nov 1994 08:49:37 GMT"}) {
    EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_modified_since, date}}).result(),
              bhttp::status::ok)
        << date;
  }
  const auto old_date =
      get("/media/sample/master.m3u8", {{bhttp::field::range, "bytes=0-3"},
                                        {bhttp::field::if_range, "Sun, 06 Nov 1994 08:49:36 GMT"}});
  EXPECT_EQ(old_date.result(), bhttp::status::ok);
}

TEST_F(FileServerTest, HeadHasHeadersButNoBody) {
  const auto m = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=0-9"}}, {},
                     bhttp::verb::head);
  EXPECT_EQ(m.result(), bhttp::status::ok);
  EXPECT_EQ(m[bhttp::field::content_length], std::to_string(kSegmentSize));
  EXPECT_EQ(m[bhttp::field::content_type], "video/mp2t");
  EXPECT_TRUE(m.body().empty());
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
