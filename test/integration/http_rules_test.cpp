// The HTTP layer's rules (issue 13): percent-encoded paths decoded once and routed on the
// decoded form, unsafe paths refused, unambiguous framing (Transfer-Encoding, Host), the
// session boundary, the accept backoff at the descriptor limit, and /media/'s active content.
#include "http_rules_support.hpp"
#include "test_server.hpp"

#include "streampulse/http/response.hpp"
#include "streampulse/http/server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace streampulse;
using namespace streampulse::testing;
namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::map<std::string, std::string> kAdmin{{"authorization", "Bearer test-admin"}};

std::string error_of(const HttpResult& r) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.at("error").as_string());
}

std::string get_raw(const std::string& target, const std::string& extra = "Host: x\r\n") {
  return "GET " + target + " HTTP/1.1\r\n" + extra + "\r\n";
}

// A fresh folder under /tmp, removed with the test.
struct ScratchDir {
  explicit ScratchDir(const std::string& name)
      : path((fs::temp_directory_path() / (name + "-" + std::to_string(getpid()))).string()) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

}  // namespace

TEST(HttpRules, PercentEncodedPathsAreDecodedOnceAndRouted) {
  const ScratchDir scratch("sp-media-space");
  const auto& media = scratch.path;
  std::ofstream(fs::path(media) / "my clip.m3u8") << "#EXTM3U\n";
  auto config = test_config();
  config.media_dir = media;
  TestServer server(config);
  const auto css = http_get(server.port(), "/static/%70layer.css");
  EXPECT_EQ(css.status, 200u) << css.body;
  EXPECT_EQ(css.body, http_get(server.port(), "/static/player.css").body);
  EXPECT_EQ(http_get(server.port(), "/static/%70%6c%61%79%65%72.css").status, 200u);
  // A space in a folder file's name, and in an uploaded object's.
  const auto on_disk = http_get(server.port(), "/media/my%20clip.m3u8");
  EXPECT_EQ(on_disk.status, 200u) << on_disk.body;
  EXPECT_EQ(on_disk.body, "#EXTM3U\n");
  EXPECT_EQ(http_request(server.port(), bh::verb::put, "/media/up/a%20b.ts", "seg", kAdmin).status,
            201u);
  EXPECT_EQ(http_get(server.port(), "/media/up/a%20b.ts").body, "seg");
}

TEST(HttpRules, AbsoluteFormTargetIsRoutedOnItsPath) {
  TestServer server;
  const auto raw = raw_exchange(server.port(), get_raw("http://127.0.0.1/healthz"));
  EXPECT_EQ(statuses_in(raw), std::vector<unsigned>{200u}) << raw;
  const auto css = raw_exchange(server.port(), get_raw("HTTP://x.example:80/static/%70layer.css"));
  EXPECT_EQ(statuses_in(css), std::vector<unsigned>{200u});
  // Not an http URL: refused.
  EXPECT_EQ(statuses_in(raw_exchange(server.port(), get_raw("ftp://x/healthz"))),
            std::vector<unsigned>{400u});
}

TEST(HttpRules, DotSegmentsControlCharactersAndEncodedSlashesGet400) {
  TestServer server;
  for (const std::string target :
       {"/static/../static/player.css", "/static/%2e%2e/static/player.css", "/static/./player.css",
        "/static/a%00b.css", "/static/a%2Fb.css", "/static/a%2fb", "/media/a%5Cb.ts",
        "/media/a%0d%0aSet-Cookie:%20x.ts", "/healthz%00"}) {
    const auto r = http_get(server.port(), target);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(error_of(r), "bad_path") << target << ": " << r.body;
  }
}

TEST(HttpRules, AmbiguousTransferEncodingIsRefusedAndTheRestNotAnswered) {
  TestServer server;
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string framing :
       {"Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding: chunked, chunked\r\n",
        "Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: identity\r\nContent-Length: 0\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Content-Length: 0\r\nContent-Length: 7\r\n"}) {
    const auto raw = raw_exchange(
        server.port(), "POST /cmcd HTTP/1.1\r\nHost: x\r\n" + framing + "\r\n" + smuggled);
    EXPECT_EQ(statuses_in(raw), std::vector<unsigned>{400u}) << framing << raw;
  }
  // One final "chunked" is fine: the heartbeat arrives in chunks.
  const std::string hb = R"({"playerId":"c","bitrate":1,"playTime":1})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", hb.size());
  const auto ok = raw_exchange(server.port(),
                               "POST /topics/video/stream HTTP/1.1\r\nHost: x\r\n"
                               "Authorization: Bearer test-admin\r\n"
                               "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                                   std::string(size) + "\r\n" + hb + "\r\n0\r\n\r\n");
  EXPECT_EQ(statuses_in(ok), std::vector<unsigned>{204u}) << ok;
}

TEST(HttpRules, Http11NeedsExactlyOneHost) {
  TestServer server;
  EXPECT_EQ(statuses_in(raw_exchange(server.port(), get_raw("/healthz", ""))),
            std::vector<unsigned>{400u});
  const auto two = raw_exchange(server.port(), get_raw("/healthz", "Host: a\r\nHost: b\r\n"));
  EXPECT_EQ(statuses_in(two), std::vector<unsigned>{400u});
  EXPECT_NE(two.find("bad_host"), std::string::npos) << two;
  // HTTP/1.0 may leave it out.
  EXPECT_EQ(statuses_in(raw_exchange(server.port(), "GET /healthz HTTP/1.0\r\n\r\n")),
            std::vector<unsigned>{200u});
}

TEST(HttpRules, CrLfInAnUploadPathIsRefused) {
  TestServer server;
  const auto r =
      http_request(server.port(), bh::verb::put, "/media/a%0d%0aLocation:%20evil.ts", "x", kAdmin);
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(r.headers.count("location"), 0u);
  const auto lf = http_request(server.port(), bh::verb::put, "/media/a%0ab.ts", "x", kAdmin);
  EXPECT_EQ(lf.status, 400u);
}

TEST(HttpRules, ActiveContentUnderMediaIsConfined) {
  const ScratchDir scratch("sp-media-active");
  const auto& media = scratch.path;
  std::ofstream(fs::path(media) / "evil.svg") << "<svg onload='alert(1)'/>";
  std::ofstream(fs::path(media) / "seg.ts") << "ts";
  auto config = test_config();
  config.media_dir = media;
  TestServer server(config);
  ASSERT_EQ(
      http_request(server.port(), bh::verb::put, "/media/x.html", "<script>1</script>", kAdmin)
          .status,
      201u);
  for (const std::string path : {"/media/x.html", "/media/evil.svg"}) {
    const auto r = http_get(server.port(), path);
    ASSERT_EQ(r.status, 200u) << path;
    EXPECT_EQ(r.headers.at("content-disposition"), "attachment") << path;
    EXPECT_EQ(r.headers.at("content-security-policy"), "sandbox; default-src 'none'") << path;
    EXPECT_EQ(r.headers.at("x-content-type-options"), "nosniff") << path;
  }
  const auto seg = http_get(server.port(), "/media/seg.ts");
  EXPECT_EQ(seg.status, 200u);
  EXPECT_EQ(seg.headers.count("content-disposition"), 0u);
  EXPECT_EQ(seg.headers.at("x-content-type-options"), "nosniff");
  // The pages themselves stay pages.
  EXPECT_EQ(http_get(server.port(), "/dashboard").headers.count("content-disposition"), 0u);
}

TEST(HttpRules, AdminTokenInTheQueryIsRefused) {
  TestServer server;
  const std::string hb = R"({"playerId":"q","bitrate":1,"playTime":1})";
  const auto r = http_post(server.port(), "/topics/video/stream?token=test-admin", hb);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(error_of(r), "token_in_url") << r.body;
  EXPECT_EQ(http_post(server.port(), "/topics/video/stream", hb, kAdmin).status, 204u);
  // A viewer token may still ride in the query, as on Momento.
  const auto viewer = viewer_token(server.port());
  EXPECT_EQ(http_post(server.port(), "/topics/video/stream?token=" + viewer, hb).status, 204u);
}

// A guard (run on the headers, outside any handler) that throws: the session answers 500, ends,
// and leaves its registry, so a stop afterwards finds nothing dangling.
TEST(HttpRules, AnExceptionOutsideTheHandlerEndsOnlyItsRequest) {
  asio::io_context ioc;
  http::Router router;
  http::Guard boom = [](const http::Request::header_type&) -> std::optional<http::Response> {
    throw std::runtime_error("guard failed");
  };
  router.add(
      bh::verb::get, "/boom",
      [](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        co_return http::text_response(ctx.request, bh::status::ok, "never", "text/plain");
      },
      0, boom);
  http::ServerSettings settings;
  settings.endpoint = {asio::ip::make_address("127.0.0.1"), 0};
  async::TaskGroup group(ioc.get_executor());  // the sessions join it
  http::Server server(ioc.get_executor(), settings, router, group);
  ASSERT_FALSE(server.listen());
  asio::co_spawn(ioc, server.run(), asio::detached);
  std::thread loop([&] { ioc.run(); });
  const auto port = server.local_endpoint().port();
  for (int i = 0; i < 3; ++i) {
    const auto raw = raw_exchange(port, get_raw("/boom"));
    EXPECT_EQ(statuses_in(raw), std::vector<unsigned>{500u}) << raw;
  }
  for (int i = 0; i < 100 && server.sessions() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server.sessions(), 0u);
  asio::post(ioc, [&] {
    server.stop_accepting();
    group.stop(async::Stop::graceful);
  });
  loop.join();  // the loop runs out of work: every session ended
}

// Found by the request fuzzer: a HEAD answered with an error carried its JSON body, which a
// keep-alive client reads as the start of the next response.
TEST(HttpRules, HeadErrorsCarryNoBody) {
  TestServer server;
  for (const std::string head : {"HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
                                 "HEAD /api/simulations HTTP/1.1\r\nHost: x\r\n\r\n",
                                 "HEAD /media/nope.ts HTTP/1.1\r\nHost: x\r\n\r\n"}) {
    const auto raw = raw_exchange(server.port(), head + get_raw("/healthz",
                                                                "Host: x\r\n"
                                                                "Connection: close\r\n"));
    EXPECT_NE(raw.find("\r\n\r\nHTTP/1.1 200 OK"), std::string::npos) << raw;
    EXPECT_EQ(raw.find("\"error\""), std::string::npos) << raw;
  }
}
