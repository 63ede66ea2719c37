// POST /webhook (and /data, the original demo's path): a signed Momento Topics webhook event
// carrying one heartbeat in its `text`. The signature is checked on the raw body before
// anything is parsed.
#include "streampulse/core/webhook.hpp"
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/response.hpp"

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

http::Handler webhook_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    const auto& req = ctx.request;
    if (!s.webhook_verifier.enabled()) {
      co_return http::error_response(
          req, bh::status::service_unavailable, "webhook_disabled",
          "no webhook secret is configured (STREAMPULSE_WEBHOOK_SECRET)");
    }
    auto signature = req.find("momento-signature");
    if (signature == req.end()) {
      ++s.stats.webhooks_unauthorized;
      co_return http::error_response(req, bh::status::unauthorized, "missing_signature",
                                     "the momento-signature header is missing");
    }
    if (!s.webhook_verifier.verify(req.body(), signature->value())) {
      ++s.stats.webhooks_unauthorized;
      co_return http::error_response(req, bh::status::unauthorized, "bad_signature",
                                     "the momento-signature does not match the body");
    }

    auto event = core::parse_webhook_event(req.body(), s.clock.now_ms());
    if (!event) {
      using Kind = core::WebhookProblem::Kind;
      const auto& p = event.error();
      if (p.kind == Kind::malformed)
        co_return http::error_response(req, bh::status::bad_request, "bad_event", p.message);
      // A replayed or misdated event is refused like a bad signature: it is not authentic now.
      ++s.stats.webhooks_stale;
      co_return http::error_response(req, bh::status::unauthorized,
                                     p.kind == Kind::stale ? "stale_event" : "future_event",
                                     p.message);
    }
    if (!event->topic.empty() && event->topic != s.config.heartbeat_topic) {
      co_return http::error_response(req, bh::status::bad_request, "unexpected_topic",
                                     "the event is for topic '" + event->topic +
                                         "', not the heartbeat topic '" + s.config.heartbeat_topic +
                                         "'");
    }

    auto outcome = co_await s.pipeline.accept_message(event->topic_sequence_number, event->text);
    using Kind = app::HeartbeatOutcome::Kind;
    if (outcome.kind == Kind::invalid) {
      co_return http::error_response(
          req, bh::status::bad_request, "invalid_heartbeat",
          "the event's text is not a valid heartbeat: " + outcome.problem.message);
    }
    if (outcome.kind == Kind::failed) co_return store_error_response(req, outcome.error);
    co_return http::empty_response(req, bh::status::no_content);
  };
}

}  // namespace streampulse::api
