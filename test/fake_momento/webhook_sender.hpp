#pragma once
// Momento's webhook delivery (docs/formats.md, "The webhook event and its signature"): each
// message published on the webhook's topic is POSTed once as JSON, signed with momento-signature;
// fire and forget, bounded in flight (beyond the bound a message is dropped and counted, as Momento
// drops on overload).
#include "fake_momento.hpp"

#include "streampulse/core/webhook.hpp"
#include "streampulse/net/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <optional>
#include <string>

namespace streampulse::testing::fake {

struct WebhookMessage {
  std::string cache;
  std::string topic;
  std::int64_t event_timestamp = 0;  // ms, when published
  std::uint64_t topic_sequence_number = 0;
  std::string token_id;
  std::string text;
};

class WebhookSender {
 public:
  WebhookSender(boost::asio::any_io_executor ex, const FakeMomentoOptions& options);
  bool enabled() const { return client_ != nullptr; }
  void send(WebhookMessage message);
  const WebhookStats& stats() const { return *stats_; }
  void shutdown();

 private:
  std::string url_;
  std::size_t max_in_flight_;
  std::optional<core::WebhookSigner> signer_;
  std::unique_ptr<net::HttpClient> client_;
  // Shared with deliveries in flight, which may finish after a shutdown.
  std::shared_ptr<WebhookStats> stats_ = std::make_shared<WebhookStats>();
  std::shared_ptr<std::size_t> in_flight_ = std::make_shared<std::size_t>(0);
  boost::asio::any_io_executor executor_;
};

}  // namespace streampulse::testing::fake
