#include "webhook_sender.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <chrono>

namespace streampulse::testing::fake {

namespace asio = boost::asio;

namespace {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Owns copies of everything: the sender may be gone when the answer arrives (the client is
// shut down first, which ends this request at once).
asio::awaitable<void> deliver(net::HttpClient& client, net::Request request,
                              std::shared_ptr<WebhookStats> stats,
                              std::shared_ptr<std::size_t> in_flight) {
  auto answer = co_await client.request(std::move(request));
  --*in_flight;
  if (answer && answer->status >= 200 && answer->status < 300) {
    ++stats->delivered;
  } else {
    ++stats->failed;
  }
}

}  // namespace

WebhookSender::WebhookSender(asio::any_io_executor ex, const FakeMomentoOptions& options)
    : url_(options.webhook_url), max_in_flight_(options.max_webhooks_in_flight), executor_(ex) {
  if (url_.empty()) return;
  signer_.emplace(options.webhook_secret);
  net::HttpClientOptions client_options;
  client_options.max_connections_per_host = 64;
  client_options.request_timeout = std::chrono::seconds(5);  // Momento's delivery timeout
  client_ = std::make_unique<net::HttpClient>(ex, client_options);
}

void WebhookSender::send(WebhookMessage m) {
  if (!client_) return;
  if (*in_flight_ >= max_in_flight_) {
    ++stats_->dropped;
    return;
  }
  // Key order as Momento documents it.
  boost::json::object body;
  body["cache"] = m.cache;
  body["topic"] = m.topic;
  body["event_timestamp"] = m.event_timestamp;
  body["publish_timestamp"] = now_ms();
  body["topic_sequence_number"] = m.topic_sequence_number;
  body["token_id"] = m.token_id;
  body["text"] = m.text;
  net::Request request;
  request.method = boost::beast::http::verb::post;
  request.url = url_;
  request.body = boost::json::serialize(body);
  request.headers.set(boost::beast::http::field::content_type, "application/json");
  request.headers.set(boost::beast::http::field::user_agent,
                      "Momento/1.0 (Webhooks; +https://docs.momentohq.com/topics/webhooks)");
  request.headers.set("momento-signature", signer_->sign(request.body));
  ++*in_flight_;
  asio::co_spawn(executor_, deliver(*client_, std::move(request), stats_, in_flight_),
                 asio::detached);
}

void WebhookSender::shutdown() {
  if (client_) client_->shutdown();
}

}  // namespace streampulse::testing::fake
