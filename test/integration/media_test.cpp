// The media origin: PUT /media/{path} into the embedded object store, GET/HEAD served from it
// before the media folder (`streampulse media upload`: media_upload_test.cpp).
#include "media_support.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>

#include <cctype>
#include <cstdio>
#include <map>
#include <string>

namespace {

namespace bh = boost::beast::http;
using streampulse::testing::http_get;
using streampulse::testing::http_request;
using streampulse::testing::HttpResult;
using streampulse::testing::test_config;
using streampulse::testing::TestServer;
using namespace media_test;

const std::map<std::string, std::string> kAdmin{{"authorization", "Bearer test-admin"}};

HttpResult put(unsigned short port, const std::string& target, const std::string& body,
               const std::map<std::string, std::string>& headers = kAdmin) {
  return http_request(port, bh::verb::put, target, body, headers);
}

// A request written as raw text (chunked bodies, HEAD without reading a body) on a fresh
// connection; the answer parsed with its body skipped for HEAD.
HttpResult raw_request(unsigned short port, const std::string& text, bool head = false) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(20));
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(stream, boost::asio::buffer(text));
  boost::beast::flat_buffer buffer;
  bh::response_parser<bh::string_body> parser;
  parser.skip(head);
  bh::read(stream, buffer, parser);
  HttpResult out;
  out.status = parser.get().result_int();
  for (const auto& f : parser.get()) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = parser.get().body();
  return out;
}

// PUT with a chunked body of `size` bytes in 64 KiB chunks.
HttpResult put_chunked(unsigned short port, const std::string& target, std::size_t size) {
  std::string text = "PUT " + target +
                     " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-admin\r\n"
                     "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t left = size; left > 0;) {
    const std::size_t n = std::min<std::size_t>(left, 64 * 1024);
    char head[32];
    std::snprintf(head, sizeof head, "%zx\r\n", n);
    text += head + std::string(n, 'x') + "\r\n";
    left -= n;
  }
  return raw_request(port, text + "0\r\n\r\n");
}

TEST(Media, PutThenGetServesTheSameBytes) {
  TestServer server;
  const auto body = binary_bytes(100'000);
  const auto created = put(server.port(), "/media/up/v1/seg0.ts", body);
  EXPECT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.headers.at("location"), "/media/up/v1/seg0.ts");
  const std::string etag = created.headers.at("etag");

  const auto got = http_get(server.port(), "/media/up/v1/seg0.ts");
  EXPECT_EQ(got.status, 200u);
  EXPECT_TRUE(got.body == body);
  EXPECT_EQ(got.headers.at("etag"), etag);
  EXPECT_EQ(got.headers.at("content-type"), "video/mp2t");
  EXPECT_EQ(got.headers.at("cache-control"), "public, max-age=86400");
  EXPECT_EQ(got.headers.at("access-control-allow-origin"), "*");
  EXPECT_EQ(got.headers.at("accept-ranges"), "bytes");
  EXPECT_TRUE(got.headers.at("last-modified").ends_with(" GMT"));

  const auto head = raw_request(server.port(),
                                "HEAD /media/up/v1/seg0.ts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Connection: close\r\n\r\n",
                                true);
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.headers.at("content-length"), "100000");
  EXPECT_TRUE(head.body.empty());

  EXPECT_EQ(put(server.port(), "/media/up/live.m3u8", "#EXTM3U\n").status, 201u);
  EXPECT_EQ(http_get(server.port(), "/media/up/live.m3u8").headers.at("cache-control"),
            "public, max-age=2");
  const auto replaced = put(server.port(), "/media/up/live.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n");
  EXPECT_EQ(replaced.status, 204u);
  EXPECT_EQ(http_get(server.port(), "/media/up/live.m3u8").body, "#EXTM3U\n#EXT-X-VERSION:3\n");
}

TEST(Media, MemoryObjectsHaveRangesAndConditionals) {
  TestServer server;
  const auto body = binary_bytes(1000);
  ASSERT_EQ(put(server.port(), "/media/r/seg.ts", body).status, 201u);
  const std::string etag = http_get(server.port(), "/media/r/seg.ts").headers.at("etag");

  const auto part = http_get(server.port(), "/media/r/seg.ts", {{"range", "bytes=10-19"}});
  EXPECT_EQ(part.status, 206u);
  EXPECT_EQ(part.headers.at("content-range"), "bytes 10-19/1000");
  EXPECT_TRUE(part.body == body.substr(10, 10));
  const auto suffix = http_get(server.port(), "/media/r/seg.ts", {{"range", "bytes=-5"}});
  EXPECT_EQ(suffix.status, 206u);
  EXPECT_TRUE(suffix.body == body.substr(995));
  const auto past = http_get(server.port(), "/media/r/seg.ts", {{"range", "bytes=1000-"}});
  EXPECT_EQ(past.status, 416u);
  EXPECT_EQ(past.headers.at("content-range"), "bytes */1000");

  const auto same = http_get(server.port(), "/media/r/seg.ts", {{"if-none-match", etag}});
  EXPECT_EQ(same.status, 304u);
  EXPECT_EQ(same.headers.at("etag"), etag);
  EXPECT_TRUE(same.body.empty());
  const auto modified = http_get(server.port(), "/media/r/seg.ts").headers.at("last-modified");
  EXPECT_EQ(http_get(server.port(), "/media/r/seg.ts", {{"if-modified-since", modified}}).status,
            304u);
  EXPECT_EQ(http_get(server.port(), "/media/r/seg.ts", {{"range", "bytes=0-1"}, {"if-range", etag}})
                .status,
            206u);
  EXPECT_EQ(http_get(server.port(), "/media/r/seg.ts",
                     {{"range", "bytes=0-1"}, {"if-range", "\"stale\""}})
                .status,
            200u);

  // New content: a new ETag, and the old one no longer matches.
  ASSERT_EQ(put(server.port(), "/media/r/seg.ts", "other").status, 204u);
  const auto fresh = http_get(server.port(), "/media/r/seg.ts", {{"if-none-match", etag}});
  EXPECT_EQ(fresh.status, 200u);
  EXPECT_EQ(fresh.body, "other");
  EXPECT_NE(fresh.headers.at("etag"), etag);
}

TEST(Media, PutNeedsTheAdminToken) {
  TestServer server;
  const auto none = put(server.port(), "/media/x.ts", "data", {});
  EXPECT_EQ(none.status, 401u);
  EXPECT_NE(none.body.find(R"("error":"unauthorized")"), std::string::npos);
  EXPECT_EQ(put(server.port(), "/media/x.ts", "data", {{"authorization", "Bearer nope"}}).status,
            401u);
  EXPECT_EQ(put(server.port(), "/media/x.ts", "data", {{"authorization", "test-admin"}}).status,
            401u);
  EXPECT_EQ(http_get(server.port(), "/media/x.ts").status, 404u);

  auto config = test_config();
  config.admin_token.clear();
  TestServer no_admin(config);
  const auto disabled = put(no_admin.port(), "/media/x.ts", "data", kAdmin);
  EXPECT_EQ(disabled.status, 503u);
  EXPECT_NE(disabled.body.find(R"("error":"admin_disabled")"), std::string::npos);
}

TEST(Media, ObjectAndStoreLimits) {
  auto config = test_config();
  config.media_store_mb = 1;  // objects and the whole store: 1 MiB
  TestServer server(config);
  // Chunked: the route's body limit (the object limit) stops it while it is read.
  const auto over = put_chunked(server.port(), "/media/big.ts", 1024 * 1024 + 1);
  EXPECT_EQ(over.status, 413u) << over.body;
  EXPECT_NE(over.body.find(R"("error":"payload_too_large")"), std::string::npos);
  EXPECT_EQ(http_get(server.port(), "/media/big.ts").status, 404u);
  EXPECT_EQ(put(server.port(), "/media/a.ts", std::string(600 * 1024, 'a')).status, 201u);
  const auto full = put(server.port(), "/media/b.ts", std::string(600 * 1024, 'b'));
  EXPECT_EQ(full.status, 507u);
  EXPECT_NE(full.body.find(R"("error":"store_full")"), std::string::npos);
  EXPECT_EQ(http_get(server.port(), "/media/b.ts").status, 404u);
  // Replacing frees the old bytes first; exactly the object limit is fine.
  EXPECT_EQ(put(server.port(), "/media/a.ts", std::string(1024 * 1024, 'c')).status, 204u);
}

// Segments are often over 1 MiB. Beast's request parser refuses a Content-Length over 1 MiB
// (its default body limit) while reading the headers, before the session applies the route's
// limit: src/http/session.cpp must lift the parser's limit before async_read_header (it checks
// Content-Length against the route's limit itself right after).
TEST(Media, BodiesOverOneMiBReachTheRouteLimit) {
  TestServer server;
  const auto body = binary_bytes(2 * 1024 * 1024);
  const auto stored = put(server.port(), "/media/hd/seg0.ts", body);
  EXPECT_EQ(stored.status, 201u) << stored.body;
  EXPECT_TRUE(http_get(server.port(), "/media/hd/seg0.ts").body == body);
  // Content-Length over the object limit: 413 before the body is read.
  auto config = test_config();
  config.media_store_mb = 1;
  TestServer small(config);
  const auto over = put(small.port(), "/media/big.ts", std::string(1024 * 1024 + 1, 'x'));
  EXPECT_EQ(over.status, 413u) << over.body;
}

TEST(Media, BadPathsAreRefused) {
  TestServer server;
  for (const char* target :
       {"/media/", "/media/.hidden.ts", "/media/a/.git/x", "/media/a//b.ts", "/media/a%2Fb.ts",
        "/media/a%5Cb.ts", "/media/a%5cb.ts", "/media/a/", "/media/%2E%2E/x.ts"}) {
    const auto r = put(server.port(), target, "data");
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_NE(r.body.find(R"("error":"bad_path")"), std::string::npos) << target;
  }
  EXPECT_EQ(put(server.port(), "/media/" + std::string(513, 'p'), "data").status, 400u);
  EXPECT_EQ(put(server.port(), "/media/" + std::string(512, 'p'), "data").status, 201u);
}

TEST(Media, StoreTakesPrecedenceOverTheFolder) {
  TempDir dir;
  dir.write("p/x.m3u8", "from the folder");
  dir.write("p/y.m3u8", "only in the folder");
  auto config = test_config();
  config.media_dir = dir.path().string();
  TestServer server(config);
  EXPECT_EQ(http_get(server.port(), "/media/p/x.m3u8").body, "from the folder");
  ASSERT_EQ(put(server.port(), "/media/p/x.m3u8", "from memory").status, 201u);
  EXPECT_EQ(http_get(server.port(), "/media/p/x.m3u8").body, "from memory");
  EXPECT_EQ(http_get(server.port(), "/media/p/y.m3u8").body, "only in the folder");
}

}  // namespace
