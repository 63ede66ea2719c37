// Access (issue 7, part 4): every route against every credential, as one table, and secrets
// never written to the log.
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
#include <openssl/evp.h>
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

class ReplayOn : public ::testing::TestWithParam<Backend> {};

INSTANTIATE_TEST_SUITE_P(Backends, ReplayOn, ::testing::ValuesIn(all_backends()),
                         backend_name);

TEST_P(ReplayOn, ReplayedWebhookIsAnsweredAndChangesNothing) {
  ServiceOn service(GetParam());  // heartbeat intake "both", the default
  const auto port = service.port();
  const auto body = webhook_event(R"({"playerId":"replayed","bitrate":900,"playTime":4})");
  const std::map<std::string, std::string> headers{
      {"momento-signature", core::sign_webhook_body("test-secret", body)},
      {"content-type", "application/json"}};
  EXPECT_EQ(http_post(port, "/webhook", body, headers).status, 204u);
  auto figures = [&] {
    auto d = json::parse(http_get(port, "/api/dashboard").body).as_object();
    return json::serialize(json::object{{"players", d.at("players")},
                                        {"playTime", d.at("playTime")},
                                        {"bitrates", d.at("bitrates")},
                                        {"agents", d.at("agents")}});
  };
  const auto once = figures();
  const auto accepted = metric(port, "streampulse_heartbeats_accepted_total");
  const auto duplicates = metric(port, "streampulse_heartbeats_duplicate_total");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(http_post(port, "/webhook", body, headers).status, 204u);
  // By the other path too: Momento's original demo posted to /data.
  EXPECT_EQ(http_post(port, "/data", body, headers).status, 204u);
  EXPECT_EQ(figures(), once);
  // The service remembers recent messages wherever webhooks come in: the replays were
  // acknowledged, not recorded again (so they cannot keep a departed player "active").
  EXPECT_EQ(metric(port, "streampulse_heartbeats_accepted_total"), accepted);
  EXPECT_EQ(metric(port, "streampulse_heartbeats_duplicate_total"), duplicates + 4);
  if (GetParam() == Backend::momento) {
    EXPECT_EQ(service.fake()->request_counts()["POST /cache_client.Scs/DictionarySet"], 1u);
  }

  // The same event with a publish time past the window, correctly signed (what a replayer
  // holds a minute later): refused as not authentic now, and not recorded.
  const auto old = webhook_event(R"({"playerId":"late","bitrate":900,"playTime":4})",
                                 core::SystemClock().now_ms() - 61'000);
  const auto r = http_post(port, "/webhook", old,
                           {{"momento-signature", core::sign_webhook_body("test-secret", old)}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(), "stale_event");
  EXPECT_EQ(figures(), once);
}

// The real binary at debug level, its secrets in the environment as in a deployment: after good
// and bad requests of every kind, none of the secrets (nor tokens it handed out, nor wrong
// credentials clients sent) is in its output.
TEST(Access, SecretsNeverReachTheLogOnTheEmbeddedBackend) {
  const std::string secret = "whsec-Zq81-known-secret";
  const std::string admin = "adm-Kx27-known-admin-token";
  const std::string wrong_admin = "adm-wrong-Pp11-guess";
  const auto port = free_port();
  ChildProcess service(STREAMPULSE_BINARY,
                       {"serve", "--listen", "127.0.0.1:" + std::to_string(port), "--log-level",
                        "debug", "--static-dir", std::string(STREAMPULSE_SOURCE_DIR) + "/static"},
                       {{"STREAMPULSE_WEBHOOK_SECRET", secret},
                        {"STREAMPULSE_ADMIN_TOKEN", admin},
                        {"STREAMPULSE_LONG_POLL_TIMEOUT_MS", "200"}});
  ASSERT_TRUE(wait_healthy(port)) << service.output();

  const auto token = viewer_token(port);
  std::vector<std::string> signatures;
  const std::string hb = R"({"playerId":"quiet","bitrate":1,"playTime":1})";
  for (const auto& key : {secret, std::string("wrong-secret")}) {
    const auto body = webhook_event(hb);
    signatures.push_back(core::sign_webhook_body(key, body));
    http_post(port, "/webhook", body, {{"momento-signature", signatures.back()}});
  }
  const auto bad_json = std::string("{not json");
  http_post(port, "/webhook", bad_json,
            {{"momento-signature", core::sign_webhook_body(secret, bad_json)}});
  for (const auto& a : {admin, wrong_admin}) {
    http_request(port, bh::verb::put, "/media/x/a.ts", "bytes", {{"authorization", "Bearer " + a}});
    http_post(port, "/api/simulations", "{\"playerCount\":1,\"durationS\":1}",
              {{"authorization", "Bearer " + a}});
    http_post(port, "/topics/video/other", "x", {{"authorization", "Bearer " + a}});
    http_get(port, "/topics/video/quiet?token=" + a);
  }
  http_post(port, "/topics/video/stream", hb, {{"authorization", token}});
  http_get(port, "/topics/video/viewerCount?token=" + token);
  http_get(port, "/topics/video/stream?token=" + token);  // refused: 403
  http_get(port, "/topics/video/viewerCount?token=" + token, {{"authorization", token}});  // 400
  http_get(port, "/topics/video/viewerCount?token=" + token + "x");                        // 401
  http_get(port, "/metrics");
  EXPECT_EQ(service.stop(), 0);

  const auto log = service.output();
  EXPECT_NE(log.find("POST /webhook"), std::string::npos) << "no request log?\n" << log;
  EXPECT_NE(log.find("/topics/video/viewerCount"), std::string::npos) << log;
  for (const auto& s :
       std::vector<std::string>{secret, admin, wrong_admin, token,
                                token.substr(token.find('.') + 1), signatures[0], signatures[1]}) {
    EXPECT_EQ(log.find(s), std::string::npos) << "'" << s << "' is in the log:\n" << log;
  }
}

TEST(Access, SecretsNeverReachTheLogOnTheMomentoBackend) {
  FakeMomentoOptions fake_options;
  fake_options.api_key = "momento-inner-key-Rt55-known";
  FakeMomento fake(fake_options);
  const std::string secret = "whsec-Mm90-known-secret";
  const std::string admin = "adm-Mm31-known-admin-token";
  const auto port = free_port();
  ChildProcess service(STREAMPULSE_BINARY,
                       {"serve", "--listen", "127.0.0.1:" + std::to_string(port), "--log-level",
                        "debug", "--backend", "momento", "--momento-base-url", fake.base_url(),
                        "--momento-timeout-ms", "800"},
                       {{"STREAMPULSE_WEBHOOK_SECRET", secret},
                        {"STREAMPULSE_ADMIN_TOKEN", admin},
                        {"MOMENTO_API_KEY", fake.v1_api_key()}});
  ASSERT_TRUE(wait_healthy(port)) << service.output();

  const auto config = json::parse(http_get(port, "/api/player-config").body);
  const std::string disposable(config.at("topics").at("token").as_string());
  send_webhook(port, R"({"playerId":"m1","bitrate":1,"playTime":1})", secret);
  send_webhook(port, R"({"playerId":"m1","bitrate":1,"playTime":1})", "wrong");
  http_request(port, bh::verb::put, "/media/x/a.ts", "bytes",
               {{"authorization", "Bearer " + admin}});
  // Failures are where clients log requests: make Momento fail, reset, then recover.
  Faults down;
  down.fail_status = 503;
  fake.set_faults(down);
  send_webhook(port, R"({"playerId":"m2","bitrate":1,"playTime":1})", secret);
  http_get(port, "/readyz");
  http_get(port, "/api/player-config");
  Faults reset;
  reset.reset = true;
  fake.set_faults(reset);
  send_webhook(port, R"({"playerId":"m3","bitrate":1,"playTime":1})", secret);
  http_get(port, "/readyz");
  std::this_thread::sleep_for(1200ms);  // background tasks fail and log too
  fake.clear_faults();
  EXPECT_EQ(service.stop(), 0);

  const auto log = service.output();
  EXPECT_NE(log.find("POST /webhook"), std::string::npos) << "no request log?\n" << log;
  EXPECT_NE(log.find("momento:"), std::string::npos) << "no Momento failure logged?\n" << log;
  for (const auto& s : std::vector<std::string>{secret, admin, fake_options.api_key,
                                                fake.v1_api_key(), disposable}) {
    EXPECT_EQ(log.find(s), std::string::npos) << "'" << s << "' is in the log:\n" << log;
  }
  // The disposable token's inner key too (the token is base64 of {"endpoint","api_key"}).
  std::string decoded(disposable.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(disposable.data()),
                                static_cast<int>(disposable.size()));
  ASSERT_GT(n, 0);
  decoded.resize(decoded.find('}') + 1);
  const std::string inner(json::parse(decoded).at("api_key").as_string());
  EXPECT_EQ(log.find(inner), std::string::npos) << "the disposable key is in the log:\n" << log;
}
