// POST /cmcd: CMCD v2 event-mode JSON reports (core/cmcd.hpp), a second way for a player to
// report. Like a heartbeat, a report needs a viewer token (the player config's reportToken, in
// the Authorization header) and speaks for the one player that token is bound to. Every report
// in the body is checked first (a 400 names the key, a 403 a foreign player; neither changes
// state), then each becomes a heartbeat of its player and takes the heartbeat pipeline.
//
// CORS: players report from pages served elsewhere, so answers allow any origin; but only JSON
// is read and a token is required, and both make a browser send a preflight first. A page on
// another origin cannot make its visitors' browsers post reports behind their backs (a "simple"
// cross-origin POST, text/plain without Authorization, is refused before anything is read).
#include "streampulse/core/cmcd.hpp"
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/core/token_authority.hpp"
#include "streampulse/http/response.hpp"

#include <boost/beast/http/empty_body.hpp>

#include <cctype>

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

namespace {

const http::ExtraHeaders kCors{{bh::field::access_control_allow_origin, "*"}};

http::Response cors_answer(const http::Request& req, bh::status status) {
  bh::response<bh::empty_body> res{status, req.version()};
  res.set(bh::field::access_control_allow_origin, "*");
  res.set(bh::field::access_control_allow_methods, "POST, OPTIONS");
  // Authorization is never covered by a wildcard: named, so players may send their token.
  res.set(bh::field::access_control_allow_headers, "Content-Type, Authorization");
  res.set(bh::field::access_control_max_age, "600");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

http::Response cors_error(const http::Request& req, bh::status status, std::string_view code,
                          const std::string& message) {
  return http::error_response(req, status, code, message, kCors);
}

// application/json, any parameters (charset), any case.
bool is_json(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  constexpr std::string_view kJson = "application/json";
  if (type.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < type.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(type[i])) != kJson[i]) return false;
  return true;
}

// The stream a report token is for: the one its count topic names (viewerCount-<id>; the
// default stream's is viewerCount). Empty (the default stream): no such grant.
std::string stream_of_claims(const service::Services& s, const core::TokenClaims& claims) {
  const std::string& base = s.config.viewer_count_topic;
  for (const auto& grant : claims.grants) {
    if (!grant.subscribe) continue;
    std::string_view topic = grant.topic;
    if (topic.size() > base.size() + 1 && topic.starts_with(base) && topic[base.size()] == '-')
      return std::string(topic.substr(base.size() + 1));
  }
  return {};
}

}  // namespace

http::Handler cmcd_preflight_handler(service::Services&) {
  return [](http::RequestContext& ctx) -> awaitable<http::Response> {
    co_return cors_answer(ctx.request, bh::status::no_content);
  };
}

http::Handler cmcd_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    const auto& req = ctx.request;
    if (!is_json(req[bh::field::content_type])) {
      ++s.stats.reports_refused_media_type;
      co_return cors_error(req, bh::status::unsupported_media_type, "unsupported_media_type",
                           "CMCD reports are sent as application/json");
    }
    if (!s.report_tokens) {
      co_return cors_error(req, bh::status::service_unavailable, "cmcd_disabled",
                           "this backend cannot check report tokens");
    }
    auto header = req.find(bh::field::authorization);
    if (header == req.end()) {
      ++s.stats.reports_refused_no_token;
      co_return cors_error(req, bh::status::unauthorized, "missing_token",
                           "a viewer token is required (Authorization header: the reportToken "
                           "of /api/player-config)");
    }
    std::string_view token = header->value();
    if (token.starts_with("Bearer ") || token.starts_with("bearer ")) token.remove_prefix(7);
    auto claims = s.report_tokens->verify(token, s.config.cache, s.config.heartbeat_topic,
                                          core::TopicAction::publish);
    if (!claims) {
      ++s.stats.reports_refused_no_token;
      co_return cors_error(req, bh::status::unauthorized, "invalid_token",
                           "the token is invalid or expired; fetch a new one from "
                           "/api/player-config");
    }
    auto reports = core::parse_cmcd(req.body());
    if (!reports) {
      ++s.stats.cmcd_reports_invalid;
      co_return cors_error(req, bh::status::bad_request, "invalid_cmcd", reports.error().message);
    }
    // One token, one player: every report of the request for the token's player.
    for (const auto& report : *reports) {
      if (report.sid != reports->front().sid) {
        ++s.stats.reports_refused_player_mismatch;
        co_return binding_refusal(req, core::BindVerdict::mismatch, kCors);
      }
    }
    if (!reports->empty()) {
      const auto verdict =
          co_await s.audience.bind(claims->token_id, reports->front().sid, claims->expires_at_ms);
      if (verdict != core::BindVerdict::ok) co_return binding_refusal(req, verdict, kCors);
    }
    for (const auto& report : *reports) {
      // The player's latest figures, from its shard: a report carries only what changed.
      auto latest = co_await s.audience.on_shard<std::optional<core::Heartbeat>>(
          s.audience.shard_of(report.sid),
          [&](service::AudienceShard& sh) -> awaitable<std::optional<core::Heartbeat>> {
            co_return sh.registry->index().latest(report.sid);
          });
      std::string text = core::cmcd_heartbeat_json(report, latest);
      auto parsed = core::parse_heartbeat(text);
      if (parsed) parsed->stream_id = stream_of_claims(s, *claims);
      auto outcome =
          co_await s.audience.accept(std::move(parsed), std::move(text), claims->token_id);
      if (outcome.kind == service::HeartbeatOutcome::Kind::refused && outcome.error) {
        // Past the cap on players: reports before this one were recorded; this one and the
        // rest change nothing.
        co_return cors_error(req, bh::status::too_many_requests, "too_many_players",
                             "the service tracks as many players as it may, all of them "
                             "active; retry later");
      }
      if (auto refused = stream_refusal(req, outcome, kCors)) co_return std::move(*refused);
      if (outcome.kind == service::HeartbeatOutcome::Kind::refused)
        co_return binding_refusal(req, outcome.refusal, kCors);
      if (outcome.kind == service::HeartbeatOutcome::Kind::failed) {
        auto res = store_error_response(req, outcome.error);
        const auto status = static_cast<bh::status>(res.status());
        co_return cors_error(
            req, status,
            status == bh::status::too_many_requests ? "resource_exhausted" : "backend_unavailable",
            "the report could not be recorded: " + outcome.error.message());
      }
      if (outcome.kind != service::HeartbeatOutcome::Kind::accepted) {
        // Not expected (the report and its player were checked); said plainly if it happens.
        ++s.stats.cmcd_reports_invalid;
        co_return cors_error(req, bh::status::bad_request, "invalid_cmcd", outcome.problem.message);
      }
      ++s.stats.cmcd_reports_accepted;
    }
    co_return cors_answer(req, bh::status::no_content);
  };
}

}  // namespace streampulse::api
