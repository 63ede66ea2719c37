// Webhook delivery: a tiny receiving server (streampulse's own http::Server) checks the body
// and momento-signature the way the service will.
#include "fake_momento.hpp"
#include "test_client.hpp"

#include "streampulse/core/webhook.hpp"
#include "streampulse/http/response.hpp"
#include "streampulse/http/server.hpp"
#include "streampulse/momento/messages.hpp"
#include "streampulse/momento/methods.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <mutex>
#include <set>
#include <thread>

namespace streampulse::testing {
namespace {

namespace asio = boost::asio;
using verb = boost::beast::http::verb;

struct Received {
  std::string body;
  std::string signature;
  std::string user_agent;
};

// Accepts POST /hook on its own thread and keeps what arrived.
class Receiver {
 public:
  Receiver() {
    router_.add(
        verb::post, "/hook", [this](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
          std::lock_guard lock(mutex_);
          received_.push_back({ctx.request.body(), std::string(ctx.request["momento-signature"]),
                               std::string(ctx.request[boost::beast::http::field::user_agent])});
          co_return http::empty_response(ctx.request, boost::beast::http::status::no_content);
        });
    http::ServerSettings settings;
    settings.endpoint = {asio::ip::make_address("127.0.0.1"), 0};
    server_ = std::make_unique<http::Server>(io_.get_executor(), settings, router_, group_);
    EXPECT_FALSE(server_->listen());
    asio::co_spawn(io_, server_->run(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Receiver() {
    asio::post(io_, [this] {
      server_->stop_accepting();
      group_.stop(streampulse::async::Stop::now);
    });
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->local_endpoint().port()) + "/hook";
  }
  std::vector<Received> wait_for(std::size_t n) {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard lock(mutex_);
        if (received_.size() >= n) return received_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  asio::io_context io_;
  streampulse::async::TaskGroup group_{io_.get_executor()};  // the sessions join it
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Received> received_;
};

TEST(FakeWebhook, DeliversSignedEventsForItsTopic) {
  spdlog::set_level(spdlog::level::warn);
  Receiver receiver;
  FakeMomentoOptions o;
  o.webhook_url = receiver.url();
  o.webhook_secret = "s3cret";
  FakeMomento fake(o);
  const std::map<std::string, std::string> key{{"Authorization", "fake-service-key"},
                                               {"Content-Type", "application/json"}};
  EXPECT_EQ(send(fake.port(), verb::post, "/topics/video/other", "x", key).status, 204u);
  EXPECT_EQ(
      send(fake.port(), verb::post, "/topics/video/stream", R"({"playerId":"p1"})", key).status,
      204u);
  EXPECT_EQ(
      send(fake.port(), verb::post, "/topics/video/stream", R"({"playerId":"p2"})", key).status,
      204u);
  auto got = receiver.wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  const core::WebhookVerifier verifier({"s3cret"});
  std::set<std::uint64_t> sequences;
  for (const auto& r : got) {
    EXPECT_TRUE(verifier.verify(r.body, r.signature)) << r.body;
    EXPECT_TRUE(r.user_agent.starts_with("Momento/1.0 (Webhooks"));
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    auto event = core::parse_webhook_event(r.body, now);
    ASSERT_TRUE(event) << r.body;
    EXPECT_EQ(event->cache, "video");
    EXPECT_EQ(event->topic, "stream");
    EXPECT_EQ(event->token_id, "");  // the service's key has no token id
    EXPECT_TRUE(event->text.starts_with("{\"playerId\":\"p"));
    sequences.insert(event->topic_sequence_number);
  }
  EXPECT_EQ(sequences, (std::set<std::uint64_t>{1, 2}));
  // The receiver has the body before the fake has the answer: wait for the count.
  for (int i = 0; i < 200 && fake.webhook_stats().delivered < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(fake.webhook_stats().delivered, 2u);

  // A viewer's publish carries its token_id.
  momento::ViewerTokenRequest request{"fake-service-key", "video", "stream", "viewerCount"};
  request.token_id = "player-1";
  auto minted = grpc(fake.port(), std::string(momento::methods::kGenerateDisposableToken),
                     momento::make_generate_disposable_token(request), {});
  auto token = momento::read_generate_disposable_token(minted.messages.at(0)).value();
  EXPECT_EQ(send(fake.port(), verb::post, "/topics/video/stream", "hb",
                 {{"Authorization", momento::browser_token(token)}})
                .status,
            204u);
  got = receiver.wait_for(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[2].body.find("\"token_id\":\"player-1\""), std::string::npos) << got[2].body;
}

TEST(FakeWebhook, CountsFailedDeliveries) {
  FakeMomentoOptions o;
  o.webhook_url = "http://127.0.0.1:1/hook";  // nothing listens there
  o.webhook_secret = "s";
  FakeMomento fake(o);
  send(fake.port(), verb::post, "/topics/video/stream", "x",
       {{"Authorization", "fake-service-key"}});
  for (int i = 0; i < 100 && fake.webhook_stats().failed == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(fake.webhook_stats().failed, 1u);
}

}  // namespace
}  // namespace streampulse::testing
