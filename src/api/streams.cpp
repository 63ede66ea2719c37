// The catalog of streams (issue 15): GET /api/streams, and PUT / DELETE /api/streams/{id} (admin
// only). The rules are core::StreamCatalog's; a change is saved (app/stream_keeper.hpp) before
// it is answered, and undone when it cannot be saved.
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/app/live_dashboard.hpp"
#include "streampulse/app/stream_keeper.hpp"
#include "streampulse/http/response.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace streampulse::api {

namespace bh = boost::beast::http;
namespace json = boost::json;
using boost::asio::awaitable;

namespace {

json::object stream_json(const app::Services& s, const core::Stream& stream) {
  return {{"id", stream.id},
          {"name", stream.name},
          {"url", stream.url},
          {"default", s.streams->is_default(stream.id)}};
}

// A refusal of the catalog's rules as the contract's error (each changes nothing).
http::Response refusal(const http::Request& req, const core::StreamProblem& p) {
  switch (p.refusal) {
    case core::StreamRefusal::bad_id:
    case core::StreamRefusal::bad_name:
    case core::StreamRefusal::bad_url:
      return http::error_response(req, bh::status::bad_request, "invalid_stream", p.message);
    case core::StreamRefusal::not_found:
      return http::error_response(req, bh::status::not_found, "stream_not_found", p.message);
    case core::StreamRefusal::default_stream:
      return http::error_response(req, bh::status::conflict, "default_stream", p.message);
    case core::StreamRefusal::catalog_full:
      break;
  }
  return http::error_response(req, bh::status::conflict, "catalog_full", p.message);
}

http::Response bad_body(const http::Request& req, std::string_view message) {
  return http::error_response(req, bh::status::bad_request, "invalid_stream", message);
}

// The stream a PUT describes: {"name": "...", "url": "..."} (other fields are ignored).
std::variant<core::Stream, http::Response> read_stream(const http::Request& req,
                                                       std::string_view id) {
  boost::system::error_code ec;
  const auto doc = json::parse(req.body(), ec);
  if (ec || !doc.is_object())
    return bad_body(req,
                    "the body must be a JSON object like {\"name\": \"...\", \"url\": \"...\"}");
  const auto& obj = doc.get_object();
  const auto* name = obj.if_contains("name");
  const auto* url = obj.if_contains("url");
  if (!name || !name->is_string())
    return bad_body(req, "field 'name' is required and must be a string");
  if (!url || !url->is_string())
    return bad_body(req, "field 'url' is required and must be a string");
  core::Stream stream{std::string(id), std::string(name->get_string()),
                      std::string(url->get_string())};
  return stream;
}

// The default stream's audience figures: {"players": {"active","total"}, "peak": {...}|null}.
// Only the default stream has figures until the audience is kept per stream (issue 15, part 2):
// today's global figures are the default stream's, and every other stream's are null rather
// than made up.
awaitable<store::result<json::object>> default_figures(app::Services& s) {
  auto metrics = co_await s.audience.dashboard();
  if (!metrics) co_return metrics.error();
  json::object figures{{"players", {{"active", metrics->active}, {"total", metrics->total}}},
                       {"peak", nullptr}};
  if (s.live && s.live->history.peak().at != 0) {
    const auto peak = s.live->history.peak();
    figures["peak"] = {{"players", peak.players}, {"at", peak.at}};
  }
  co_return figures;
}

}  // namespace

http::Handler streams_list_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    const auto streams = s.streams->list();  // a copy: the catalog may change meanwhile
    auto figures = co_await default_figures(s);
    if (!figures) co_return store_error_response(ctx.request, figures.error());
    json::array list;
    list.reserve(streams.size());
    for (const auto& stream : streams) {
      auto entry = stream_json(s, stream);
      const bool is_default = s.streams->is_default(stream.id);
      entry["players"] = is_default ? figures->at("players") : nullptr;
      entry["peak"] = is_default ? figures->at("peak") : nullptr;
      list.push_back(std::move(entry));
    }
    co_return http::json_response(ctx.request, bh::status::ok,
                                  json::object{{"streams", std::move(list)}});
  };
}

http::Handler stream_put_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    // The admin token was checked on the headers by the route's guard (api::admin_guard).
    const auto& req = ctx.request;
    if (!core::is_valid_stream_id(ctx.rest)) {
      co_return bad_body(req,
                         "the stream id in the path must be 1 to 64 characters of A-Z, "
                         "a-z, 0-9, '_' or '-'");
    }
    auto read = read_stream(req, ctx.rest);
    if (auto* refused = std::get_if<http::Response>(&read)) co_return std::move(*refused);
    auto change = s.streams->put(std::get<core::Stream>(std::move(read)));
    if (!change) co_return refusal(req, change.error());
    if (s.stream_keeper) {
      auto saved = co_await s.stream_keeper->save_put(*s.streams, change->stream);
      if (!saved) {
        s.streams->undo(*change);
        co_return store_error_response(req, saved.error());
      }
    }
    const auto status = change->created ? bh::status::created : bh::status::ok;
    bh::response<bh::string_body> res{status, req.version()};
    res.keep_alive(req.keep_alive());
    res.set(bh::field::content_type, "application/json");
    res.set(bh::field::cache_control, "no-store");
    if (change->created) res.set(bh::field::location, "/api/streams/" + change->stream.id);
    res.body() = json::serialize(stream_json(s, change->stream));
    res.prepare_payload();
    co_return res;
  };
}

http::Handler stream_delete_handler(app::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    // The admin token was checked on the headers by the route's guard (api::admin_guard).
    const auto& req = ctx.request;
    if (!core::is_valid_stream_id(ctx.rest)) {
      co_return bad_body(req,
                         "the stream id in the path must be 1 to 64 characters of A-Z, "
                         "a-z, 0-9, '_' or '-'");
    }
    auto change = s.streams->remove(ctx.rest);
    if (!change) co_return refusal(req, change.error());
    if (s.stream_keeper) {
      auto saved = co_await s.stream_keeper->save_remove(*s.streams, change->stream.id);
      if (!saved) {
        s.streams->undo(*change);
        co_return store_error_response(req, saved.error());
      }
    }
    co_return http::empty_response(req, bh::status::no_content);
  };
}

}  // namespace streampulse::api
