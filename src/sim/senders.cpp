// The three ways the simulator delivers a heartbeat: a signed webhook event, a publish on the
// Topics HTTP API, or a call into the service itself.
#include "streampulse/core/clock.hpp"
#include "streampulse/core/webhook.hpp"
#include "streampulse/net/http_client.hpp"
#include "streampulse/sim/simulator.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

namespace streampulse::sim {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

SendOutcome outcome(const boost::system::result<net::Response>& res) {
  if (!res) return {false, res.error().message()};
  if (res->status >= 200 && res->status < 300) return {true, {}};
  return {false, "HTTP " + std::to_string(res->status)};
}

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// Percent-encodes one path segment (everything but RFC 3986's unreserved characters), as the
// page's encodeURIComponent does for the names it puts in a path.
std::string encode_segment(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

class WebhookSender final : public Sender {
 public:
  WebhookSender(net::HttpClient& client, WebhookTarget target)
      : client_(client), target_(std::move(target)), signer_(target_.secret) {}

  asio::awaitable<SendOutcome> send(std::string heartbeat) override {
    const core::EpochMs now = core::SystemClock().now_ms();
    boost::json::object event;  // the field order Momento documents
    event["cache"] = target_.cache;
    event["topic"] = target_.topic;
    event["event_timestamp"] = now;
    event["publish_timestamp"] = now;
    event["topic_sequence_number"] = ++sequence_;
    event["token_id"] = "";
    event["text"] = std::move(heartbeat);
    net::Request req;
    req.method = bhttp::verb::post;
    req.url = target_.url;
    req.body = boost::json::serialize(event);
    req.headers.set(bhttp::field::content_type, "application/json");
    req.headers.set("momento-signature", signer_.sign(req.body));
    co_return outcome(co_await client_.request(std::move(req)));
  }
  void cancel() override { client_.shutdown(); }

 private:
  net::HttpClient& client_;
  WebhookTarget target_;
  core::WebhookSigner signer_;
  std::uint64_t sequence_ = 0;
};

// Each simulated player fetches its own configuration (one token, one player: the service
// binds the token to the first player id it reports, here the simulated player's) on its
// first beat and again before its token expires or after a 401. Fetches happen inside sends,
// so they are bounded like sends (--connections); a server that rations tokens per address
// (STREAMPULSE_TOKENS_PER_ADDRESS_PER_MINUTE) must allow one per simulated player.
class TopicsSender final : public Sender {
 public:
  TopicsSender(net::HttpClient& client, std::string base_url)
      : client_(client), base_(trim_slashes(std::move(base_url))) {}

  asio::awaitable<SendOutcome> send(std::string heartbeat) override {
    const std::string player = player_id_of(heartbeat);
    for (int attempt = 0;; ++attempt) {
      Config& cfg = configs_[player];  // std::map: references survive other players' inserts
      if (cfg.token.empty() || Clock::now() >= cfg.refresh_at) {
        std::string why;
        if (!co_await fetch_config(cfg, why)) co_return SendOutcome{false, "player-config: " + why};
      }
      net::Request req;
      req.method = bhttp::verb::post;
      req.url = cfg.publish_url;
      req.body = heartbeat;
      req.headers.set(bhttp::field::authorization, cfg.token);
      req.headers.set(bhttp::field::content_type, "text/plain");
      auto res = co_await client_.request(std::move(req));
      // A 401 means the token expired or was revoked: nothing was published, so refresh the
      // configuration and try once more.
      if (res && res->status == 401 && attempt == 0) {
        configs_[player].token.clear();
        continue;
      }
      co_return outcome(res);
    }
  }
  void cancel() override { client_.shutdown(); }

 private:
  struct Config {
    std::string publish_url;
    std::string token;
    Clock::time_point refresh_at;
  };

  static std::string player_id_of(std::string_view heartbeat) {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(heartbeat, ec);
    const auto* o = ec ? nullptr : doc.if_object();
    const auto* id = o ? o->if_contains("playerId") : nullptr;
    return id && id->is_string() ? std::string(id->get_string()) : std::string();
  }

  asio::awaitable<bool> fetch_config(Config& cfg, std::string& why) {
    net::Request req;
    req.url = base_ + "/api/player-config";
    auto res = co_await client_.request(std::move(req));
    if (!res) {
      why = res.error().message();
      co_return false;
    }
    if (res->status != 200) {
      why = "HTTP " + std::to_string(res->status);
      co_return false;
    }
    co_return parse_config(res->body, cfg, why);
  }

  bool parse_config(std::string_view body, Config& out, std::string& why) {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(body, ec);
    const auto* root = ec ? nullptr : doc.if_object();
    const auto* topics_value = root ? root->if_contains("topics") : nullptr;
    const auto* topics = topics_value ? topics_value->if_object() : nullptr;
    if (!topics) {
      why = "no \"topics\" object in the answer";
      return false;
    }
    auto text = [&](const char* key) -> std::string {
      const auto* v = topics->if_contains(key);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    Config cfg;
    const std::string cache = text("cache");
    const std::string topic = text("heartbeatTopic");
    cfg.token = text("token");
    if (cache.empty() || topic.empty() || cfg.token.empty()) {
      why = "topics.cache, topics.heartbeatTopic or topics.token missing";
      return false;
    }
    std::string base = trim_slashes(text("baseUrl"));
    if (base.empty()) base = base_;
    cfg.publish_url = base + "/topics/" + encode_segment(cache) + "/" + encode_segment(topic);
    cfg.refresh_at = Clock::time_point::max();
    if (const auto* exp = topics->if_contains("expiresAt"); exp && exp->is_number()) {
      // Refresh a little before expiry: 30 s early, or at 80% of a shorter lifetime.
      const auto left_ms =
          static_cast<std::int64_t>(exp->to_number<double>()) - core::SystemClock().now_ms();
      const auto early_ms = std::min<std::int64_t>(30'000, std::max<std::int64_t>(left_ms, 0) / 5);
      cfg.refresh_at = Clock::now() + std::chrono::milliseconds(left_ms - early_ms);
    }
    out = std::move(cfg);
    return true;
  }

  net::HttpClient& client_;
  std::string base_;
  std::map<std::string, Config> configs_;  // per simulated player
};

class InProcessSender final : public Sender {
 public:
  explicit InProcessSender(HeartbeatSink sink) : sink_(std::move(sink)) {}
  asio::awaitable<SendOutcome> send(std::string heartbeat) override {
    try {
      co_await sink_(std::move(heartbeat));
    } catch (const std::exception& e) {
      co_return SendOutcome{false, e.what()};
    }
    co_return SendOutcome{true, {}};
  }

 private:
  HeartbeatSink sink_;
};

}  // namespace

std::unique_ptr<Sender> make_webhook_sender(net::HttpClient& client, WebhookTarget target) {
  return std::make_unique<WebhookSender>(client, std::move(target));
}

std::unique_ptr<Sender> make_topics_sender(net::HttpClient& client, std::string base_url) {
  return std::make_unique<TopicsSender>(client, std::move(base_url));
}

std::unique_ptr<Sender> make_inprocess_sender(HeartbeatSink sink) {
  return std::make_unique<InProcessSender>(std::move(sink));
}

}  // namespace streampulse::sim
