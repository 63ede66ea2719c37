// The HTTP API's topics (docs/momento.md §11.2): publish, and subscribe by long-poll.
#include "http_api.hpp"
#include "state.hpp"

#include "momento/base64.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace streampulse::testing::fake {

namespace bh = boost::beast::http;
namespace json = boost::json;
using boost::asio::awaitable;

namespace {

struct TopicPath {
  std::string cache;
  std::string topic;
};

std::optional<TopicPath> split(std::string_view rest) {
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return {};
  const auto topic = rest.substr(slash + 1);
  if (topic.find('/') != std::string_view::npos) return {};
  return TopicPath{std::string(rest.substr(0, slash)), std::string(topic)};
}

std::optional<std::uint64_t> number_param(const http::RequestContext& ctx, std::string_view name) {
  const auto text = query_param(ctx, name);
  if (!text) return std::uint64_t{0};
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

json::object event_json(const store::SubscriptionEvent& event) {
  if (const auto* d = std::get_if<store::Discontinuity>(&event)) {
    return {{"discontinuity",
             {{"last_topic_sequence", d->last_topic_sequence},
              {"new_topic_sequence", d->new_topic_sequence},
              {"new_sequence_page", d->new_sequence_page}}}};
  }
  const auto& item = std::get<store::TopicItem>(event);
  json::object value;
  if (item.value.binary) {
    value["binary"] = momento::detail::base64_encode(item.value.data);
  } else {
    value["text"] = item.value.data;
  }
  // publisher_id: the publisher's token_id, as in the gRPC _TopicItem (its presence in the
  // HTTP API's JSON is unconfirmed, docs/momento.md §11.2); empty ones are left out.
  json::object fields{{"topic_sequence_number", item.topic_sequence_number},
                      {"sequence_page", item.sequence_page},
                      {"value", std::move(value)}};
  if (!item.publisher_id.empty()) fields["publisher_id"] = item.publisher_id;
  return {{"item", std::move(fields)}};
}

// Auth, then the cache, then the grant: 401 / 404 / 403, or nullopt with the caller.
std::optional<http::Response> check(State& state, http::RequestContext& ctx, const TopicPath& path,
                                    bool publish, Caller& caller) {
  auto auth = authenticate(state, ctx);
  if (auto* refused = std::get_if<http::Response>(&auth)) return std::move(*refused);
  caller = std::move(std::get<Caller>(auth));
  if (path.cache != state.options.cache)
    return api_text(ctx.request, bh::status::not_found, "Cache Not Found");
  if (!caller.service && !allows_topic(caller.claims, path.cache, path.topic, publish))
    return api_text(ctx.request, bh::status::forbidden, "Insufficient permissions");
  return std::nullopt;
}

awaitable<http::Response> publish(State& state, http::RequestContext& ctx) {
  auto& req = ctx.request;
  auto path = split(ctx.rest);
  if (!path) co_return api_text(req, bh::status::not_found, "Not Found");
  Caller caller;
  if (auto refused = check(state, ctx, *path, true, caller)) co_return std::move(*refused);
  if (req.body().size() > state.options.max_topic_message_bytes) {
    co_return api_text(req, bh::status::bad_request,
                       "Message is larger than the limit of " +
                           std::to_string(state.options.max_topic_message_bytes) + " bytes");
  }
  const bool binary = req[bh::field::content_type].starts_with("application/octet-stream");
  store::TopicValue value{binary, std::move(req.body())};
  auto done = co_await state.publish(path->topic, std::move(value), caller.claims.token_id);
  if (!done) co_return api_text(req, bh::status::too_many_requests, done.error().message());
  co_return api_empty(req, bh::status::no_content);
}

awaitable<http::Response> subscribe(State& state, http::RequestContext& ctx) {
  auto& req = ctx.request;
  auto path = split(ctx.rest);
  if (!path) co_return api_text(req, bh::status::not_found, "Not Found");
  Caller caller;
  if (auto refused = check(state, ctx, *path, false, caller)) co_return std::move(*refused);
  const auto sequence = number_param(ctx, "sequence_number");
  const auto page = number_param(ctx, "sequence_page");
  if (!sequence || !page) {
    co_return api_text(req, bh::status::bad_request,
                       "sequence_number and sequence_page must be unsigned integers");
  }
  const store::SubscribePosition from{*sequence, *page};
  auto events = co_await state.store.topic_poll(path->topic, from, state.options.long_poll_hold);
  if (!events) co_return api_text(req, bh::status::too_many_requests, events.error().message());
  json::array items;
  for (const auto& e : *events) items.push_back(event_json(e));
  co_return api_text(req, bh::status::ok, json::serialize(json::object{{"items", items}}),
                     "application/json");
}

}  // namespace

void add_topic_routes(http::Router& router, State& state) {
  constexpr std::size_t kBodyLimit = 64 * 1024;  // over the topic limit, to answer it ourselves
  router.add_prefix(
      bh::verb::post, "/topics/",
      [&state](http::RequestContext& ctx) { return publish(state, ctx); }, kBodyLimit);
  router.add_prefix(bh::verb::get, "/topics/",
                    [&state](http::RequestContext& ctx) { return subscribe(state, ctx); });
  router.add_prefix(bh::verb::options, "/topics/",
                    [](http::RequestContext& ctx) -> awaitable<http::Response> {
                      co_return api_preflight(ctx.request);
                    });
}

}  // namespace streampulse::testing::fake
