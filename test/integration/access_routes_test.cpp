// Access (issue 7, part 4): every route against every credential, as one table (replays on every
// backend: access_replay_test.cpp; secrets kept out of the log: access_secrets_test.cpp).
//
// Credentials: none; a viewer token (fresh from /api/player-config); the same kind of token,
// expired; a token of another instance whose cache is "other" (not signed by this one: the
// embedded backend's token key is per instance); the admin token; a wrong admin token; a
// correct webhook signature; a wrong one (signed with another secret); and a replayed webhook
// (the same signed event sent twice: the table holds the second answer).
//
// A replayed webhook, decided: within the 60 s window it is answered 204 and changes nothing a
// viewer of the dashboard sees. Momento delivers webhooks at least once (it redelivers when an
// answer is lost or slow), so a second delivery must succeed, or the sender would retry it
// again, and must not count twice. On Momento with intake "both" (the default) the pipeline
// remembers recent messages and drops the replay (streampulse_heartbeats_duplicate_total);
// elsewhere the same heartbeat is applied again, which sets the same values and only refreshes
// the player's last-seen time (so a captured event can keep its player "active" until its
// publish time leaves the window). Outside the window it is 401 stale_event.
#include "backends.hpp"
#include "reliability_support.hpp"

#include "streampulse/core/webhook.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <array>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;
namespace bh = boost::beast::http;
using namespace std::chrono_literals;

namespace {

enum Cred { kNone, kViewer, kExpired, kForeign, kAdmin, kWrongAdmin, kSigned, kBadSig, kReplay };
constexpr std::array<const char*, 9> kCredNames{
    "none",        "viewer",         "expired viewer",  "foreign token", "admin",
    "wrong admin", "signed webhook", "wrong signature", "replayed"};
constexpr int kCreds = 9;

struct Route {
  std::string name;
  bh::verb method;
  std::string target;  // "{cred}" is replaced by a per-credential word (unique upload paths)
  // The body; for webhook routes a fresh signed event is made instead.
  std::string body;
  bool webhook = false;
  // Expected answer per credential: "status" or "status error_code".
  std::array<std::string, kCreds> expect;
};

std::array<std::string, kCreds> all(const std::string& s) {
  std::array<std::string, kCreds> a;
  a.fill(s);
  return a;
}

const std::string kHeartbeat = R"({"playerId":"acc","bitrate":800,"playTime":3})";

// clang-format off
std::vector<Route> routes() {
  const std::string nt = "401 missing_token", it = "401 invalid_token", pd = "403 permission_denied";
  const std::string ua = "401 unauthorized", ms = "401 missing_signature", bs = "401 bad_signature";
  //                                                 none viewer expired foreign admin wrongadm signed badsig replay
  return {
    {"page /", bh::verb::get, "/", "", false, all("200")},
    {"page /dashboard", bh::verb::get, "/dashboard", "", false, all("200")},
    {"asset", bh::verb::get, "/static/dashboard.js", "", false, all("200")},
    {"media get", bh::verb::get, "/media/access/seed.m3u8", "", false, all("200")},
    {"media put", bh::verb::put, "/media/access/{cred}.ts", "segment", false,
                                                    {ua, ua, ua, ua, "201", ua, ua, ua, ua}},
    {"player-config", bh::verb::get, "/api/player-config", "", false, all("200")},
    {"dashboard", bh::verb::get, "/api/dashboard", "", false, all("200")},
    {"simulations", bh::verb::post, "/api/simulations", R"({"playerCount":1,"durationS":1})", false,
                                                    {ua, ua, ua, ua, "202", ua, ua, ua, ua}},
    {"streams", bh::verb::get, "/api/streams", "", false, all("200")},
    {"stream put", bh::verb::put, "/api/streams/{cred}", R"({"name":"A","url":"/media/a/master.m3u8"})", false,
                                                    {ua, ua, ua, ua, "201", ua, ua, ua, ua}},
    {"stream delete", bh::verb::delete_, "/api/streams/{cred}", "", false,
                                                    {ua, ua, ua, ua, "204", ua, ua, ua, ua}},
    {"default stream delete", bh::verb::delete_, "/api/streams/main", "", false,
                                                    {ua, ua, ua, ua, "409 default_stream", ua, ua, ua, ua}},
    {"webhook", bh::verb::post, "/webhook", "", true, {ms, ms, ms, ms, ms, ms, "204", bs, "204"}},
    {"data", bh::verb::post, "/data", "", true,       {ms, ms, ms, ms, ms, ms, "204", bs, "204"}},
    {"publish heartbeat", bh::verb::post, "/topics/video/stream", kHeartbeat, false,
                                                    {nt, "204", it, it, "204", it, nt, nt, nt}},
    {"poll count", bh::verb::get, "/topics/video/viewerCount", "", false,
                                                    {nt, "200", it, it, "200", it, nt, nt, nt}},
    {"publish count", bh::verb::post, "/topics/video/viewerCount", "7", false,
                                                    {nt, pd, it, it, "204", it, nt, nt, nt}},
    {"poll heartbeats", bh::verb::get, "/topics/video/stream", "", false,
                                                    {nt, pd, it, it, "200", it, nt, nt, nt}},
    {"publish other topic", bh::verb::post, "/topics/video/other", "x", false,
                                                    {nt, pd, it, it, "204", it, nt, nt, nt}},
    {"other cache", bh::verb::get, "/topics/other/viewerCount", "", false, all("404 cache_not_found")},
    {"healthz", bh::verb::get, "/healthz", "", false, all("200")},
    {"readyz", bh::verb::get, "/readyz", "", false, all("200")},
    {"metrics", bh::verb::get, "/metrics", "", false, all("200")},
  };
}
// clang-format on

std::string answer_of(const HttpResult& r) {
  std::string out = std::to_string(r.status);
  if (r.status >= 400 && r.headers.count("content-type") &&
      r.headers.at("content-type") == "application/json") {
    boost::system::error_code ec;
    const auto v = json::parse(r.body, ec);
    if (!ec && v.is_object() && v.as_object().contains("error"))
      out += " " + std::string(v.at("error").as_string());
  }
  return out;
}

}  // namespace

TEST(Access, EveryRouteAgainstEveryCredential) {
  auto config = test_config();
  config.token_ttl_s = 2;
  config.long_poll_timeout_ms = 300;
  TestServer server(config);
  const auto port = server.port();
  auto other_config = test_config();
  other_config.cache = "other";
  TestServer other(other_config);
  const std::string foreign = viewer_token(other.port());
  const std::string expired = viewer_token(port);
  ASSERT_EQ(http_request(port, bh::verb::put, "/media/access/seed.m3u8", "#EXTM3U\n",
                         {{"authorization", "Bearer test-admin"}})
                .status,
            201u);
  std::this_thread::sleep_for(2100ms);  // `expired` is now

  int cells = 0;
  for (const auto& route : routes()) {
    for (int c = 0; c < kCreds; ++c) {
      std::string target = route.target;
      if (const auto at = target.find("{cred}"); at != std::string::npos)
        target.replace(at, 6, "c" + std::to_string(c));
      std::string body = route.body;
      if (route.webhook) body = webhook_event(kHeartbeat);
      std::map<std::string, std::string> headers;
      switch (static_cast<Cred>(c)) {
        case kNone:
          break;
        case kViewer:
          headers["authorization"] = viewer_token(port);
          break;
        case kExpired:
          headers["authorization"] = expired;
          break;
        case kForeign:
          headers["authorization"] = foreign;
          break;
        case kAdmin:
          headers["authorization"] = "Bearer test-admin";
          break;
        case kWrongAdmin:
          headers["authorization"] = "Bearer not-the-admin";
          break;
        case kSigned:
        case kReplay:
          headers["momento-signature"] = core::sign_webhook_body("test-secret", body);
          break;
        case kBadSig:
          headers["momento-signature"] = core::sign_webhook_body("not-the-secret", body);
          break;
      }
      if (!body.empty()) headers["content-type"] = "application/json";
      auto r = http_request(port, route.method, target, body, headers);
      if (c == kReplay) r = http_request(port, route.method, target, body, headers);
      EXPECT_EQ(answer_of(r), route.expect[static_cast<std::size_t>(c)])
          << route.name << " (" << route.method << " " << target << ") with "
          << kCredNames[static_cast<std::size_t>(c)] << ": " << r.body;
      ++cells;
    }
  }
  EXPECT_EQ(cells, 23 * kCreds);
}
