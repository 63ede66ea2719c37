// POST /api/simulations {"playerCount": N, "durationS": D}: synthetic players inside the
// service, sending real heartbeats through the same pipeline as real players (admin only).
#include "streampulse/api/handlers.hpp"
#include "streampulse/http/response.hpp"

#include <boost/json/parse.hpp>

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

namespace {
constexpr std::int64_t kMaxPlayers = 10'000;
constexpr std::int64_t kMaxDurationS = 3600;
constexpr std::int64_t kDefaultDurationS = 60;

// A whole number in [min, max] read from the body, or the default when absent.
std::optional<std::int64_t> read_int(const boost::json::object& obj, std::string_view key,
                                     std::int64_t min, std::int64_t max,
                                     std::optional<std::int64_t> fallback) {
  const auto* v = obj.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64() && v->get_int64() >= min && v->get_int64() <= max) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(max) &&
      static_cast<std::int64_t>(v->get_uint64()) >= min)
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}
}  // namespace

http::Handler simulations_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    const auto& req = ctx.request;
    // The admin token was checked on the headers by the route's guard (api::admin_guard).
    boost::system::error_code ec;
    const auto doc = boost::json::parse(req.body(), ec);
    if (ec || !doc.is_object()) {
      co_return http::error_response(req, bh::status::bad_request, "invalid_argument",
                                     "the body must be a JSON object like {\"playerCount\": 10}");
    }
    const auto players = read_int(doc.get_object(), "playerCount", 1, kMaxPlayers, std::nullopt);
    if (!players) {
      co_return http::error_response(req, bh::status::bad_request, "invalid_argument",
                                     "'playerCount' must be a whole number from 1 to 10000");
    }
    const auto duration =
        read_int(doc.get_object(), "durationS", 1, kMaxDurationS, kDefaultDurationS);
    if (!duration) {
      co_return http::error_response(req, bh::status::bad_request, "invalid_argument",
                                     "'durationS' must be a whole number from 1 to 3600");
    }
    if (!s.start_simulation ||
        !s.start_simulation(static_cast<std::size_t>(*players), std::chrono::seconds(*duration))) {
      co_return http::error_response(req, bh::status::too_many_requests, "resource_exhausted",
                                     "too many simulations are running; wait for one to end");
    }
    co_return http::json_response(req, bh::status::accepted,
                                  {{"simulation",
                                    {{"playerCount", *players},
                                     {"durationS", *duration},
                                     {"intervalMs", s.config.heartbeat_interval_ms}}}});
  };
}

}  // namespace streampulse::api
