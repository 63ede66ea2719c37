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

#include <algorithm>
#include <cctype>
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

// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
std::string encode_segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
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

class TopicsSender final : public Sender {
 public:
  TopicsSender(net::HttpClient& client, std::string base_url)
      : client_(client), base_(trim_slashes(std::move(base_url))) {}

  asio::awaitable<SendOutcome> send(std::string heartbeat) override {
    std::uint64_t stale = 0;
    for (int attempt = 0;; ++attempt) {
      std::string why;
      if (!co_await ensure_config(stale, why))
        co_return SendOutcome{false, "player-config: " + why};
      const Config cfg = *config_;
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
        stale = cfg.generation;
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
    std::uint64_t generation = 0;
  };
  // One refresh at a time; concurrent senders wait for it and share its result.
  struct Refresh {
    explicit Refresh(const asio::any_io_executor& ex) : done(ex, Clock::time_point::max()) {}
    asio::steady_timer done;
    bool ok = false;
    std::string error;
  };

  asio::awaitable<bool> ensure_config(std::uint64_t stale_generation, std::string& why) {
    if (config_ && config_->generation != stale_generation && Clock::now() < config_->refresh_at)
      co_return true;
    if (auto running = refresh_) {
      co_await running->done.async_wait(asio::as_tuple(asio::use_awaitable));
      why = running->error;
      co_return running->ok;
    }
    auto r = std::make_shared<Refresh>(co_await asio::this_coro::executor);
    refresh_ = r;
    net::Request req;
    req.url = base_ + "/api/player-config";
    auto res = co_await client_.request(std::move(req));
    if (!res) {
      r->error = res.error().message();
    } else if (res->status != 200) {
      r->error = "HTTP " + std::to_string(res->status);
    } else {
      r->ok = parse_config(res->body, r->error);
    }
    refresh_.reset();
    r->done.cancel();
    why = r->error;
    co_return r->ok;
  }

  bool parse_config(std::string_view body, std::string& why) {
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
    if (cache.empty() || topic.empty()) {
      why = "topics.cache or topics.heartbeatTopic missing";
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
    cfg.generation = ++generation_;
    config_ = std::move(cfg);
    return true;
  }

  net::HttpClient& client_;
  std::string base_;
  std::optional<Config> config_;
  std::shared_ptr<Refresh> refresh_;
  std::uint64_t generation_ = 0;
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
