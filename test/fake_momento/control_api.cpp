// /_fake/...: the standalone binary's control surface (faults and state snapshots as JSON).
// Never subject to faults.
#include "http_api.hpp"
#include "state.hpp"

#include <boost/json.hpp>

namespace streampulse::testing::fake {

namespace bh = boost::beast::http;
namespace json = boost::json;
using boost::asio::awaitable;

namespace {

http::Response json_answer(const http::Request& req, const json::value& v) {
  return api_text(req, bh::status::ok, json::serialize(v), "application/json");
}

// Faults from {"latency_ms","fail_status","fail_count","reset","hang","path_prefix","message"};
// throws on a document of the wrong shape.
Faults parse_faults(std::string_view body) {
  const json::value doc = json::parse(body);
  const json::object& o = doc.as_object();
  Faults f;
  if (auto* v = o.if_contains("latency_ms"))
    f.latency = std::chrono::milliseconds(v->to_number<std::int64_t>());
  if (auto* v = o.if_contains("fail_status")) f.fail_status = v->to_number<int>();
  if (auto* v = o.if_contains("fail_count")) f.fail_count = v->to_number<int>();
  if (auto* v = o.if_contains("reset")) f.reset = v->as_bool();
  if (auto* v = o.if_contains("hang")) f.hang = v->as_bool();
  if (auto* v = o.if_contains("path_prefix")) f.path_prefix = v->as_string();
  if (auto* v = o.if_contains("message")) f.message = v->as_string();
  return f;
}

awaitable<http::Response> set_faults(State& state, http::RequestContext& ctx) {
  try {
    state.faults.set(parse_faults(ctx.request.body()));
  } catch (const std::exception& e) {
    co_return api_text(ctx.request, bh::status::bad_request, e.what());
  }
  co_return api_empty(ctx.request, bh::status::no_content);
}

awaitable<http::Response> sorted_set(State& state, http::RequestContext& ctx) {
  const store::ScoreRange everything;
  auto members = co_await state.store.sorted_set_fetch_by_score(ctx.rest, everything, std::nullopt);
  json::array out;
  if (members) {
    for (const auto& m : *members)
      out.push_back(json::object{{"value", m.value}, {"score", m.score}});
  }
  co_return json_answer(ctx.request, out);
}

awaitable<http::Response> dictionary(State& state, http::RequestContext& ctx) {
  auto items = co_await state.store.dictionary_fetch(ctx.rest);
  json::object out;
  if (items) {
    for (const auto& i : *items) out[i.field] = i.value;
  }
  co_return json_answer(ctx.request, out);
}

awaitable<http::Response> topic(State& state, http::RequestContext& ctx) {
  json::array out;
  if (auto it = state.published.find(ctx.rest); it != state.published.end()) {
    for (const auto& text : it->second) out.push_back(json::string(text));
  }
  co_return json_answer(ctx.request, out);
}

awaitable<http::Response> requests(State& state, http::RequestContext& ctx) {
  json::object out;
  for (const auto& [key, n] : state.request_counts) out[key] = n;
  co_return json_answer(ctx.request, out);
}

awaitable<http::Response> webhook(State& state, http::RequestContext& ctx) {
  const auto& s = state.webhook.stats();
  co_return json_answer(
      ctx.request,
      json::object{{"delivered", s.delivered}, {"failed", s.failed}, {"dropped", s.dropped}});
}

}  // namespace

void add_control_routes(http::Router& router, State& state) {
  using Fn = awaitable<http::Response> (*)(State&, http::RequestContext&);
  auto bind = [&state](Fn fn) {
    return [&state, fn](http::RequestContext& ctx) { return fn(state, ctx); };
  };
  router.add(bh::verb::post, "/_fake/faults", bind(set_faults));
  router.add(bh::verb::delete_, "/_fake/faults",
             [&state](http::RequestContext& ctx) -> awaitable<http::Response> {
               state.faults.clear();
               co_return api_empty(ctx.request, bh::status::no_content);
             });
  router.add_prefix(bh::verb::get, "/_fake/sorted-set/", bind(sorted_set));
  router.add_prefix(bh::verb::get, "/_fake/dictionary/", bind(dictionary));
  router.add_prefix(bh::verb::get, "/_fake/topic/", bind(topic));
  router.add(bh::verb::get, "/_fake/requests", bind(requests));
  router.add(bh::verb::get, "/_fake/webhook", bind(webhook));
}

}  // namespace streampulse::testing::fake
