// POST /webhook (and /data, the original demo's path): a signed Momento Topics webhook event
// carrying one heartbeat in its `text`. The signature is checked on the raw body before
// anything is parsed.
//
// The route runs on the connection's thread (Affinity::any): the signature check, the event
// and the heartbeat parsing (most of a webhook's cost) happen there, in parallel across
// connections; only counting and recording hop to the state loop.
#include "streampulse/core/webhook.hpp"
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/response.hpp"
#include "streampulse/service/state_loop.hpp"

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

namespace {

// What the connection's thread found: a refusal (and the counter it bumps), or a heartbeat.
struct CheckedEvent {
  enum class Counter { none, unauthorized, stale } counter = Counter::none;
  std::optional<http::Response> refusal;
  std::uint64_t sequence_number = 0;
  core::EpochMs publish_timestamp = 0;
  std::string signature;  // the replay window's key
  std::string token_id;   // the publisher's token id: empty for the operator's own credential
  std::string text;
  service::HeartbeatPipeline::Parsed heartbeat = core::InvalidHeartbeat{};
};

// Pure: touches nothing of the state loop's.
CheckedEvent check_event(const service::Services& s, const http::Request& req) {
  CheckedEvent out;
  auto refuse = [&](CheckedEvent::Counter counter, http::Response res) {
    out.counter = counter;
    out.refusal.emplace(std::move(res));
    return std::move(out);
  };
  using Counter = CheckedEvent::Counter;
  if (!s.webhook_verifier.enabled()) {
    return refuse(
        Counter::none,
        http::error_response(req, bh::status::service_unavailable, "webhook_disabled",
                             "no webhook secret is configured (STREAMPULSE_WEBHOOK_SECRET)"));
  }
  auto signature = req.find("momento-signature");
  if (signature == req.end()) {
    return refuse(Counter::unauthorized,
                  http::error_response(req, bh::status::unauthorized, "missing_signature",
                                       "the momento-signature header is missing"));
  }
  if (!s.webhook_verifier.verify(req.body(), signature->value())) {
    return refuse(Counter::unauthorized,
                  http::error_response(req, bh::status::unauthorized, "bad_signature",
                                       "the momento-signature does not match the body"));
  }
  auto event = core::parse_webhook_event(req.body(), s.clock.now_ms());
  if (!event) {
    using Kind = core::WebhookProblem::Kind;
    const auto& p = event.error();
    if (p.kind == Kind::malformed) {
      return refuse(Counter::none,
                    http::error_response(req, bh::status::bad_request, "bad_event", p.message));
    }
    // A replayed or misdated event is refused like a bad signature: it is not authentic now.
    return refuse(
        Counter::stale,
        http::error_response(req, bh::status::unauthorized,
                             p.kind == Kind::stale ? "stale_event" : "future_event", p.message));
  }
  if (!event->topic.empty() && event->topic != s.config.heartbeat_topic) {
    return refuse(
        Counter::none,
        http::error_response(req, bh::status::bad_request, "unexpected_topic",
                             "the event is for topic '" + event->topic +
                                 "', not the heartbeat topic '" + s.config.heartbeat_topic + "'"));
  }
  out.sequence_number = event->topic_sequence_number;
  out.publish_timestamp = event->publish_timestamp;
  out.signature = std::string(signature->value());
  out.token_id = std::move(event->token_id);
  out.text = std::move(event->text);
  out.heartbeat = core::parse_heartbeat(out.text);
  return out;
}

// On the connection's loop: the counters; then, on the player's shard, the replay memory and
// the pipeline (service/audience.hpp).
awaitable<std::optional<http::Response>> record_event(service::Services& s,
                                                      const http::Request& req,
                                                      CheckedEvent& checked) {
  using Counter = CheckedEvent::Counter;
  if (checked.counter == Counter::unauthorized) ++s.stats.webhooks_unauthorized;
  if (checked.counter == Counter::stale) ++s.stats.webhooks_stale;
  if (checked.refusal) co_return std::move(checked.refusal);

  // A replay (a captured event, or Momento delivering again) is acknowledged, not recorded. The
  // replay memory is the player's shard's: checked there, in the hop that records.
  using Verdict = core::ReplayWindow::Verdict;
  Verdict seen = Verdict::first;
  auto first_sighting = [&](service::AudienceShard& sh) {
    seen = sh.webhook_replays.see(checked.signature, checked.publish_timestamp, s.clock.now_ms());
    return seen == Verdict::first;
  };
  auto outcome = co_await s.audience.accept(std::move(checked.heartbeat), std::move(checked.text),
                                            std::move(checked.token_id), checked.sequence_number, 0,
                                            first_sighting);
  switch (seen) {
    case Verdict::replay:
      ++s.stats.heartbeats_duplicate;
      co_return http::empty_response(req, bh::status::no_content);
    case Verdict::full:
      ++s.stats.webhooks_replay_window_full;
      co_return http::error_response(req, bh::status::service_unavailable, "replay_window_full",
                                     "too many events within the replay window; retry shortly",
                                     {{bh::field::retry_after, "1"}});
    case Verdict::first:
      break;
  }
  using Kind = service::HeartbeatOutcome::Kind;
  if (auto refused = stream_refusal(req, outcome)) co_return std::move(*refused);
  if (outcome.kind == Kind::refused && !outcome.error)  // the token's binding said no
    co_return binding_refusal(req, outcome.refusal);
  if (outcome.kind == Kind::invalid) {
    co_return http::error_response(
        req, bh::status::bad_request, "invalid_heartbeat",
        "the event's text is not a valid heartbeat: " + outcome.problem.message);
  }
  // failed: the backend; refused: a new player past the cap (429 too_many_players).
  if (outcome.kind == Kind::failed || outcome.kind == Kind::refused)
    co_return store_error_response(req, outcome.error);
  co_return http::empty_response(req, bh::status::no_content);
}

}  // namespace

http::Handler webhook_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    CheckedEvent checked = check_event(s, ctx.request);
    auto answer = co_await record_event(s, ctx.request, checked);
    co_return std::move(*answer);
  };
}

}  // namespace streampulse::api
