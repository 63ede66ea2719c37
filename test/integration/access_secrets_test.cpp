// Access (issue 7, part 4): secrets never written to the log, on the embedded and the Momento
// backend.
#include "backends.hpp"
#include "reliability_support.hpp"

#include "streampulse/core/webhook.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <boost/json.hpp>

using namespace streampulse;
using namespace streampulse::testing;
namespace json = boost::json;
namespace bh = boost::beast::http;
using namespace std::chrono_literals;

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
