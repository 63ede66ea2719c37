// Token minting and the HTTP API topics: scopes, long-poll bookkeeping, CORS.
#include "fake_momento.hpp"
#include "test_client.hpp"

#include "streampulse/momento/messages.hpp"
#include "streampulse/momento/methods.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <thread>

namespace streampulse::testing {
namespace {

namespace m = momento;
namespace json = boost::json;
using bh_verb = boost::beast::http::verb;
using m::GrpcCode;
using m::grpc_web::Mode;

FakeMomentoOptions quick() {
  FakeMomentoOptions o;
  o.long_poll_hold = std::chrono::milliseconds(200);
  return o;
}

m::grpc_web::Response mint(FakeMomento& fake, std::string auth, std::chrono::seconds valid_for,
                           Mode mode = Mode::binary) {
  m::ViewerTokenRequest r;
  r.auth_token = auth;
  r.cache = "video";
  r.heartbeat_topic = "stream";
  r.count_topic = "viewerCount";
  r.valid_for = valid_for;
  r.token_id = "player-1";
  GrpcCall call{"", "", mode};
  return grpc(fake.port(), std::string(m::methods::kGenerateDisposableToken),
              m::make_generate_disposable_token(r), call);
}

m::DisposableToken disposable(FakeMomento& fake) {
  auto r = mint(fake, "fake-service-key", std::chrono::seconds(900));
  EXPECT_TRUE(r.status.ok()) << r.status.describe();
  return m::read_generate_disposable_token(r.messages.at(0)).value();
}
// The wrapper a browser gets.
std::string browser_token(FakeMomento& fake) { return m::browser_token(disposable(fake)); }

Reply post(FakeMomento& f, const std::string& topic, const std::string& token,
           const std::string& body, const std::string& type = "text/plain") {
  return send(f.port(), bh_verb::post, "/topics/" + topic, body,
              {{"Authorization", token}, {"Content-Type", type}});
}
Reply poll(FakeMomento& f, const std::string& target, const std::string& token) {
  return send(f.port(), bh_verb::get, "/topics/" + target, {}, {{"Authorization", token}});
}

TEST(FakeTokens, MintsScopedExpiringTokens) {
  FakeMomento fake(quick());
  for (Mode mode : {Mode::binary, Mode::text}) {
    auto r = mint(fake, "fake-service-key", std::chrono::seconds(900), mode);
    ASSERT_TRUE(r.status.ok()) << r.status.describe();
    auto token = m::read_generate_disposable_token(r.messages.at(0)).value();
    EXPECT_EQ(token.endpoint, "127.0.0.1");
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    EXPECT_NEAR(static_cast<double>(token.valid_until), static_cast<double>(now + 900), 2);
  }
  EXPECT_EQ(mint(fake, "nope", std::chrono::seconds(60)).status.code, GrpcCode::unauthenticated);
  EXPECT_EQ(mint(fake, fake.v1_api_key(), std::chrono::seconds(60)).status.code, GrpcCode::ok);
  EXPECT_EQ(
      mint(fake, "fake-service-key", std::chrono::hours(25) + std::chrono::seconds(1)).status.code,
      GrpcCode::invalid_argument);
}

TEST(FakeTopics, TokenScopes) {
  FakeMomento fake(quick());
  const std::string token = browser_token(fake);
  EXPECT_EQ(post(fake, "video/stream", token, "{\"playerId\":\"p\"}").status, 204u);
  EXPECT_EQ(post(fake, "video/viewerCount", token, "3").status, 403u);
  EXPECT_EQ(poll(fake, "video/stream", token).status, 403u);
  EXPECT_EQ(poll(fake, "video/viewerCount", token).status, 200u);
  EXPECT_EQ(post(fake, "other/stream", token, "x").status, 404u);
  EXPECT_EQ(post(fake, "video/stream", "garbage", "x").status, 401u);
  EXPECT_EQ(send(fake.port(), bh_verb::post, "/topics/video/stream", "x").status, 401u);
  // The bare inner api_key works too; header and query together do not.
  const std::string inner = disposable(fake).api_key;
  EXPECT_EQ(post(fake, "video/stream", inner, "y").status, 204u);
  auto both = send(fake.port(), bh_verb::get, "/topics/video/viewerCount?token=" + inner, {},
                   {{"Authorization", inner}});
  EXPECT_EQ(both.status, 400u);
  // The service's key may do anything.
  EXPECT_EQ(post(fake, "video/viewerCount", fake.v1_api_key(), "3").status, 204u);
  EXPECT_EQ(post(fake, "video/any", "fake-service-key", "z").status, 204u);
  EXPECT_EQ(fake.published("stream"), (std::vector<std::string>{"{\"playerId\":\"p\"}", "y"}));
  EXPECT_EQ(fake.published("viewerCount"), (std::vector<std::string>{"3"}));
  auto counts = fake.request_counts();
  EXPECT_EQ(counts["POST /topics/video/stream"], 4u);
  EXPECT_EQ(counts["GET /topics/video/viewerCount"], 2u);
}

TEST(FakeTopics, LongPollSequenceBookkeeping) {
  FakeMomento fake(quick());
  const std::string key = "fake-service-key";
  // Nothing yet: the hold runs out with no items.
  auto empty = poll(fake, "video/t", key);
  EXPECT_EQ(empty.status, 200u);
  EXPECT_EQ(empty.body, "{\"items\":[]}");
  EXPECT_EQ(empty.headers["access-control-allow-origin"], "*");

  ASSERT_EQ(post(fake, "video/t", key, "a").status, 204u);
  ASSERT_EQ(post(fake, "video/t", key, "b").status, 204u);
  // A new subscriber gets the latest message.
  auto first = json::parse(poll(fake, "video/t", key).body);
  const auto& item = first.at("items").at(0).at("item");
  EXPECT_EQ(item.at("value").at("text"), "b");
  const auto seq = item.at("topic_sequence_number").to_number<std::uint64_t>();
  const auto page = item.at("sequence_page").to_number<std::uint64_t>();
  EXPECT_EQ(seq, 2u);

  // Resuming at seq + 1 waits for the next publish, which wakes it.
  std::thread publisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    post(fake, "video/t", key, "\x01\x02", "application/octet-stream");
  });
  const std::string next = "video/t?sequence_number=" + std::to_string(seq + 1) +
                           "&sequence_page=" + std::to_string(page);
  auto woke = json::parse(poll(fake, next, key).body);
  publisher.join();
  const auto& binary = woke.at("items").at(0).at("item");
  EXPECT_EQ(binary.at("topic_sequence_number"), seq + 1);
  EXPECT_EQ(binary.at("value").at("binary"), "AQI=");

  // Another page (a previous topic instance): a discontinuity first.
  auto gap = json::parse(poll(fake, "video/t?sequence_number=7&sequence_page=1", key).body);
  EXPECT_TRUE(gap.at("items").at(0).as_object().contains("discontinuity")) << gap;
  EXPECT_EQ(poll(fake, "video/t?sequence_number=x", key).status, 400u);
}

TEST(FakeTopics, LimitsAndCors) {
  FakeMomento fake(quick());
  EXPECT_EQ(post(fake, "video/t", "fake-service-key", std::string(4097, 'x')).status, 400u);
  auto pre = send(fake.port(), bh_verb::options, "/topics/video/stream", {},
                  {{"Origin", "http://127.0.0.1:8080"},
                   {"Access-Control-Request-Method", "POST"},
                   {"Access-Control-Request-Headers", "authorization,content-type"}});
  EXPECT_EQ(pre.status, 204u);
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "*");
  EXPECT_EQ(pre.headers["access-control-allow-methods"], "GET, POST, PUT, DELETE");
  EXPECT_EQ(pre.headers["access-control-allow-headers"], "Authorization, Content-Type");
}

TEST(FakeTopics, GrpcPublishWithToken) {
  FakeMomento fake(quick());
  GrpcCall call{disposable(fake).api_key, "video", Mode::text};
  const auto path = std::string(m::methods::kPublish);
  store::TopicValue v{false, "hb"};
  EXPECT_TRUE(grpc(fake.port(), path, m::make_publish("video", "stream", v), call).status.ok());
  EXPECT_EQ(grpc(fake.port(), path, m::make_publish("video", "viewerCount", v), call).status.code,
            GrpcCode::permission_denied);
  EXPECT_EQ(fake.published("stream"), std::vector<std::string>{"hb"});
}

TEST(FakeTopics, LongPollItemsCarryThePublishersTokenIdAsPublisherId) {
  FakeMomento fake(quick());
  const std::string key = "fake-service-key";
  ASSERT_EQ(post(fake, "video/stream", browser_token(fake), "from a viewer").status, 204u);
  const auto viewer = json::parse(poll(fake, "video/stream", key).body).at("items").at(0);
  EXPECT_EQ(viewer.at("item").at("publisher_id"), "player-1");  // the token's token_id
  ASSERT_EQ(post(fake, "video/stream", key, "from the service").status, 204u);
  const auto service = json::parse(poll(fake, "video/stream", key).body).at("items").at(0);
  EXPECT_FALSE(service.at("item").as_object().contains("publisher_id"));  // no token id
}

}  // namespace
}  // namespace streampulse::testing
