// POST and GET /topics/{cache}/{topic}: Momento's HTTP API for topics, served by the embedded
// and Redis backends, so the player page talks to it exactly as it would talk to Momento.
#include "client_slot.hpp"
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/api/subscribe_query.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/core/token_authority.hpp"
#include "streampulse/http/response.hpp"

#include <openssl/evp.h>
#include <boost/json/value.hpp>

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

namespace {

struct TopicAccess {
  std::string cache, topic;
  std::string publisher_id;  // the token's id; empty for the admin token (trusted)
  core::EpochMs expires_at_ms = 0;
  std::optional<http::Response> refusal;
};

// Splits "{cache}/{topic}" and checks the credential for the action.
TopicAccess authorize(service::Services& s, http::RequestContext& ctx, core::TopicAction action) {
  TopicAccess a;
  const auto& req = ctx.request;
  const auto slash = ctx.rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == ctx.rest.size() ||
      ctx.rest.find('/', slash + 1) != std::string_view::npos) {
    a.refusal = http::error_response(req, bh::status::not_found, "not_found",
                                     "topic paths are /topics/{cache}/{topic}");
    return a;
  }
  a.cache = std::string(ctx.rest.substr(0, slash));
  a.topic = std::string(ctx.rest.substr(slash + 1));
  if (!s.token_authority) {
    a.refusal = http::error_response(req, bh::status::not_found, "not_found",
                                     "topics are served by Momento on this backend");
    return a;
  }
  if (a.cache != s.config.cache) {
    a.refusal = http::error_response(req, bh::status::not_found, "cache_not_found",
                                     "Cache Not Found: " + a.cache);
    return a;
  }
  const auto token = find_token(ctx);
  if (token.both) {
    a.refusal = http::error_response(req, bh::status::bad_request, "ambiguous_token",
                                     "send the token in the Authorization header or the token "
                                     "parameter, not both");
    return a;
  }
  if (!token.token) {
    a.refusal = http::error_response(req, bh::status::unauthorized, "missing_token",
                                     "a token is required (Authorization header)");
    return a;
  }
  if (secrets_equal(*token.token, s.config.admin_token) && !s.config.admin_token.empty()) {
    if (token.in_query) {
      // URLs end up in logs, proxies and browser history: the admin token only in a header.
      a.refusal = http::error_response(req, bh::status::unauthorized, "token_in_url",
                                       "send the admin token in the Authorization header, "
                                       "never in the URL");
      return a;
    }
    return a;  // the operator's credential: no token id, like a Momento API key
  }
  auto claims = s.token_authority->verify(*token.token, a.cache, a.topic, action);
  if (!claims) {
    const bool denied = claims.error() == errc::permission_denied;
    a.refusal = http::error_response(
        req, denied ? bh::status::forbidden : bh::status::unauthorized,
        denied ? "permission_denied" : "invalid_token",
        denied ? "the token does not allow this on topic '" + a.topic + "'"
               : "the token is invalid or expired; fetch a new one from /api/player-config");
    return a;
  }
  a.publisher_id = claims->token_id;
  a.expires_at_ms = claims->expires_at_ms;
  return a;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(bytes.data()),
                  static_cast<int>(bytes.size()));
  return out;
}

boost::json::value event_json(const store::SubscriptionEvent& e) {
  if (const auto* d = std::get_if<store::Discontinuity>(&e)) {
    return {{"discontinuity",
             {{"last_topic_sequence", d->last_topic_sequence},
              {"new_topic_sequence", d->new_topic_sequence},
              {"new_sequence_page", d->new_sequence_page}}}};
  }
  const auto& item = std::get<store::TopicItem>(e);
  boost::json::object value;
  if (item.value.binary) {
    value["binary"] = base64(item.value.data);
  } else {
    value["text"] = item.value.data;
  }
  return {{"item",
           {{"topic_sequence_number", item.topic_sequence_number},
            {"sequence_page", item.sequence_page},
            {"value", std::move(value)}}}};
}

}  // namespace

http::Handler topic_publish_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto access = authorize(s, ctx, core::TopicAction::publish);
    if (access.refusal) co_return std::move(*access.refusal);
    const auto& req = ctx.request;
    const auto type = req[bh::field::content_type];
    const bool binary = type.starts_with("application/octet-stream");
    if (access.topic == s.config.heartbeat_topic && !binary) {
      // Heartbeats are checked here, so a player sees its mistake at once (Momento would accept
      // anything), and recorded here: the topic is in this process, so the intake's
      // subscription is a direct call on the player's shard (service/audience.hpp), before the
      // message is published for any other subscriber. A refusal (another player's token, the
      // cap on players) is the player's answer and publishes nothing.
      auto hb = core::parse_heartbeat(req.body());
      if (!hb) {
        co_return http::error_response(req, bh::status::bad_request, "invalid_heartbeat",
                                       hb.error().message);
      }
      if (req.body().size() > store::kMaxTopicMessageBytes)
        co_return store_error_response(req, make_error_code(errc::payload_too_large));
      // On Redis the topic is shared by every instance: each one's intake reads it from its
      // mirror and records it there, so here it is only checked and bound.
      if (s.embedded_topics && s.config.heartbeat_intake != config::HeartbeatIntake::webhook) {
        auto outcome = co_await s.audience.accept(std::move(hb), std::string(req.body()),
                                                  access.publisher_id, 0, access.expires_at_ms);
        using Kind = service::HeartbeatOutcome::Kind;
        if (auto refused = stream_refusal(req, outcome)) co_return std::move(*refused);
        if (outcome.kind == Kind::refused && !outcome.error)
          co_return binding_refusal(req, outcome.refusal);
        if (outcome.kind == Kind::refused || outcome.kind == Kind::failed)
          co_return store_error_response(req, outcome.error);
      } else {
        if (auto refused = s.audience.check_stream(*hb, access.publisher_id))
          co_return std::move(*stream_refusal(req, *refused));
        const auto verdict =
            co_await s.audience.bind(access.publisher_id, hb->player_id, access.expires_at_ms);
        if (verdict != core::BindVerdict::ok) co_return binding_refusal(req, verdict);
      }
    }
    // A named value, not a braced temporary: GCC 12 corrupts those when passed into co_await.
    store::TopicValue value{binary, req.body()};
    if (s.embedded_topics) {
      // From this thread: the topics take their own lock and wake subscribers on their loops.
      auto published =
          s.embedded_topics->publish_now(access.topic, std::move(value), access.publisher_id);
      if (published.has_error()) co_return store_error_response(req, published.error());
      co_return http::empty_response(req, bh::status::no_content);
    }
    auto published =
        co_await s.store.topic_publish(access.topic, std::move(value), access.publisher_id);
    if (published.has_error()) co_return store_error_response(req, published.error());
    co_return http::empty_response(req, bh::status::no_content);
  };
}

http::Handler topic_subscribe_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto access = authorize(s, ctx, core::TopicAction::subscribe);
    if (access.refusal) co_return std::move(*access.refusal);
    const auto query = parse_subscribe_query(ctx.target);
    if (!query) {
      co_return http::error_response(ctx.request, bh::status::bad_request, "invalid_argument",
                                     "sequence_number and sequence_page must be non-negative "
                                     "integers");
    }
    // Held until the poll answers: one client cannot take every long-poll place.
    ClientSlotTaken slot =
        take_client_slot(s.long_poll_slots, s, ctx, "long_polls_per_client", "topic long-polls", 1);
    if (slot.refusal) co_return std::move(*slot.refusal);
    store::SubscribePosition from;
    from.sequence_number = query->sequence_number;
    from.sequence_page = query->sequence_page;
    auto events = co_await s.store.topic_poll(
        access.topic, from, std::chrono::milliseconds(s.config.long_poll_timeout_ms));
    if (events.has_error()) {
      if (events.error() == errc::resource_exhausted) ++s.stats.long_polls_refused;  // /metrics
      co_return store_error_response(ctx.request, events.error());
    }
    boost::json::array items;
    for (const auto& e : *events) items.push_back(event_json(e));
    co_return http::json_response(ctx.request, bh::status::ok, {{"items", std::move(items)}});
  };
}

}  // namespace streampulse::api
