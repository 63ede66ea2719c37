// POST /cmcd: CMCD v2 event-mode JSON reports (core/cmcd.hpp), a second way for a player to
// report. Every report in the body is checked first (a 400 names the key and changes no state),
// then each becomes a heartbeat of its player and takes the heartbeat pipeline. CORS-enabled:
// players report from pages served elsewhere.
#include "streampulse/core/cmcd.hpp"
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/core/json_text.hpp"
#include "streampulse/http/response.hpp"

#include <boost/beast/http/empty_body.hpp>

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

namespace {

http::Response cors_answer(const http::Request& req, bh::status status) {
  bh::response<bh::empty_body> res{status, req.version()};
  res.set(bh::field::access_control_allow_origin, "*");
  res.set(bh::field::access_control_allow_methods, "POST, OPTIONS");
  res.set(bh::field::access_control_allow_headers, "Content-Type");
  res.set(bh::field::access_control_max_age, "600");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

http::Response cors_error(const http::Request& req, bh::status status, std::string_view code,
                          const std::string& message) {
  bh::response<bh::string_body> res{status, req.version()};
  res.set(bh::field::access_control_allow_origin, "*");
  res.set(bh::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  std::string body = R"({"error":)";
  core::append_json_string(body, code);
  body += R"(,"message":)";
  core::append_json_string(body, message);
  body += '}';
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace

http::Handler cmcd_preflight_handler(app::Services&) {
  return [](http::RequestContext& ctx) -> awaitable<http::Response> {
    co_return cors_answer(ctx.request, bh::status::no_content);
  };
}

http::Handler cmcd_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto reports = core::parse_cmcd(ctx.request.body());
    if (!reports) {
      ++s.stats.cmcd_reports_invalid;
      co_return cors_error(ctx.request, bh::status::bad_request, "invalid_cmcd",
                           reports.error().message);
    }
    for (const auto& report : *reports) {
      const std::string text =
          core::cmcd_heartbeat_json(report, s.registry.index().latest(report.sid));
      auto outcome = co_await s.pipeline.accept(text);
      if (outcome.kind == app::HeartbeatOutcome::Kind::refused) {
        // Reports before this one were recorded; this one and the rest change nothing.
        co_return cors_error(ctx.request, bh::status::too_many_requests, "too_many_players",
                             "the service tracks as many players as it may, all of them "
                             "active; retry later");
      }
      if (outcome.kind == app::HeartbeatOutcome::Kind::failed) {
        auto res = store_error_response(ctx.request, outcome.error);
        const auto status = static_cast<bh::status>(res.status());
        co_return cors_error(
            ctx.request, status,
            status == bh::status::too_many_requests ? "resource_exhausted" : "backend_unavailable",
            "the report could not be recorded: " + outcome.error.message());
      }
      if (outcome.kind == app::HeartbeatOutcome::Kind::invalid) {
        // Not expected (the report was checked); said plainly if it happens.
        ++s.stats.cmcd_reports_invalid;
        co_return cors_error(ctx.request, bh::status::bad_request, "invalid_cmcd",
                             outcome.problem.message);
      }
      ++s.stats.cmcd_reports_accepted;
    }
    co_return cors_answer(ctx.request, bh::status::no_content);
  };
}

}  // namespace streampulse::api
