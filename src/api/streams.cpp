// The catalog of streams (issue 15): GET /api/streams, and PUT / DELETE /api/streams/{id} (admin
// only). The rules are core::StreamCatalog's; a change is saved (persist/stream_keeper.hpp) before
// it is answered, and undone when it cannot be saved.
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/response.hpp"
#include "streampulse/persist/stream_keeper.hpp"
#include "streampulse/service/live_dashboard.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace streampulse::api {

namespace bh = boost::beast::http;
namespace json = boost::json;
using boost::asio::awaitable;

namespace {

json::object stream_json(const service::Services& s, const core::Stream& stream) {
  return {{"id", stream.id},
          {"name", stream.name},
          {"url", stream.url},
          {"default", s.streams.is_default(stream.id)}};
}

http::Response bad_body(const http::Request& req, std::string_view message) {
  return http::error_response(req, bh::status::bad_request, "invalid_stream", message);
}

// The id in /api/streams/{id} breaks the rules (PUT and DELETE).
http::Response bad_path_id(const http::Request& req) {
  return bad_body(req,
                  "the stream id in the path must be 1 to 64 characters of A-Z, a-z, 0-9, '_' "
                  "or '-'");
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

json::value peak_json(std::uint64_t players, core::EpochMs at) {
  if (at == 0) return nullptr;
  return json::object{{"players", players}, {"at", at}};
}

// Every stream's audience figures: {"players": {"active","total"}, "peak": {...}|null}. A stream's
// players are those whose heartbeats name it (none yet: 0) and those restored under it; the
// default stream's are the whole service's less the other streams', its peak the history's.
// Another stream's peak is the highest active count since start.
awaitable<store::result<std::map<std::string, json::object>>> figures_of(
    service::Services& s, const std::vector<core::Stream>& streams) {
  auto metrics = co_await s.audience.dashboard();
  if (!metrics) co_return metrics.error();
  const auto per_stream = co_await s.audience.stream_figures();
  std::map<std::string, json::object> out;
  std::uint64_t others_active = 0, others_total = 0;
  for (const auto& stream : streams) {
    if (s.streams.is_default(stream.id)) continue;
    core::StreamFigures f;
    if (auto it = per_stream.find(stream.id); it != per_stream.end()) f = it->second;
    others_active += f.active;
    others_total += f.total;
    json::value peak = nullptr;
    if (auto it = s.stream_peaks.find(stream.id); it != s.stream_peaks.end())
      peak = peak_json(it->second.players, it->second.at);
    out[stream.id] = {{"players", {{"active", f.active}, {"total", f.total}}},
                      {"peak", std::move(peak)}};
  }
  const auto minus = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
  json::value peak = peak_json(s.live.history.peak().players, s.live.history.peak().at);
  out[s.streams.default_stream().id] = {{"players",
                                         {{"active", minus(metrics->active, others_active)},
                                          {"total", minus(metrics->total, others_total)}}},
                                        {"peak", std::move(peak)}};
  // Peaks of streams removed since: dropped (the map stays as bounded as the catalog).
  std::erase_if(s.stream_peaks, [&s](const auto& entry) { return !s.streams.find(entry.first); });
  co_return out;
}

}  // namespace

http::Handler streams_list_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    const auto streams = s.streams.list();  // a copy: the catalog may change meanwhile
    auto figures = co_await figures_of(s, streams);
    if (!figures) co_return store_error_response(ctx.request, figures.error());
    json::array list;
    list.reserve(streams.size());
    for (const auto& stream : streams) {
      auto entry = stream_json(s, stream);
      auto& f = (*figures)[stream.id];
      entry["players"] = f["players"];
      entry["peak"] = f["peak"];
      list.push_back(std::move(entry));
    }
    co_return http::json_response(ctx.request, bh::status::ok,
                                  json::object{{"streams", std::move(list)}});
  };
}

http::Handler stream_put_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    // The admin token was checked on the headers by the route's guard (api::admin_guard).
    const auto& req = ctx.request;
    if (!core::is_valid_stream_id(ctx.rest)) co_return bad_path_id(req);
    auto read = read_stream(req, ctx.rest);
    if (auto* refused = std::get_if<http::Response>(&read)) co_return std::move(*refused);
    auto change = s.streams.put(std::get<core::Stream>(std::move(read)));
    if (!change) co_return catalog_refusal(req, change.error());
    if (s.stream_keeper) {
      auto saved = co_await s.stream_keeper->save_put(s.streams, change->stream);
      if (!saved) {
        s.streams.undo(*change);
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

http::Handler stream_delete_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    // The admin token was checked on the headers by the route's guard (api::admin_guard).
    const auto& req = ctx.request;
    if (!core::is_valid_stream_id(ctx.rest)) co_return bad_path_id(req);
    auto change = s.streams.remove(ctx.rest);
    if (!change) co_return catalog_refusal(req, change.error());
    if (s.stream_keeper) {
      auto saved = co_await s.stream_keeper->save_remove(s.streams, change->stream.id);
      if (!saved) {
        s.streams.undo(*change);
        co_return store_error_response(req, saved.error());
      }
    }
    co_return http::empty_response(req, bh::status::no_content);
  };
}

}  // namespace streampulse::api
