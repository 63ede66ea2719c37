// The HTTP API's cache scalars (docs/momento.md §11.2): GET / PUT / DELETE by ?key=,
// ?key_base64= or the path-key form /cache/{cache}/{key...}.
#include "http_api.hpp"
#include "state.hpp"

#include "momento/base64.hpp"

#include <algorithm>
#include <charconv>

namespace streampulse::testing::fake {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

namespace {

struct Target {
  std::string cache;
  std::string key;
};

// The cache and key of a request, or the 400 answer.
std::variant<Target, http::Response> target_of(const http::RequestContext& ctx) {
  const auto& req = ctx.request;
  const auto slash = ctx.rest.find('/');
  Target t;
  t.cache = std::string(ctx.rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    t.key = std::string(ctx.rest.substr(slash + 1));
  } else if (auto key = query_param(ctx, "key")) {
    t.key = std::move(*key);
  } else if (auto encoded = query_param(ctx, "key_base64")) {
    auto decoded = momento::detail::base64_decode(*encoded);
    if (!decoded) return api_text(req, bh::status::bad_request, "key_base64 is not valid base64");
    t.key = std::move(*decoded);
  }
  if (t.cache.empty() || t.key.empty())
    return api_text(req, bh::status::bad_request, "A cache name and a key are required");
  return t;
}

awaitable<http::Response> handle(State& state, http::RequestContext& ctx) {
  auto& req = ctx.request;
  auto target = target_of(ctx);
  if (auto* bad = std::get_if<http::Response>(&target)) co_return std::move(*bad);
  auto& t = std::get<Target>(target);
  auto auth = authenticate(state, ctx);
  if (auto* refused = std::get_if<http::Response>(&auth)) co_return std::move(*refused);
  const auto& caller = std::get<Caller>(auth);
  if (t.cache != state.options.cache)
    co_return api_text(req, bh::status::not_found, "Cache Not Found");
  const bool write = req.method() != bh::verb::get;
  // Keep it simple: writes need the service's key; reads also take a disposable token.
  if (!caller.service && write)
    co_return api_text(req, bh::status::forbidden, "Insufficient permissions");
  const std::int64_t now = state.clock.now_ms();

  if (req.method() == bh::verb::get) {
    auto value = state.scalars.get(t.key, now);
    if (!value) co_return api_text(req, bh::status::not_found, "Key Not Found");
    co_return api_text(req, bh::status::ok, std::move(*value), "application/octet-stream");
  }
  if (req.method() == bh::verb::delete_) {
    state.scalars.remove(t.key);
    co_return api_empty(req, bh::status::no_content);
  }
  const auto ttl_text = query_param(ctx, "ttl_seconds");
  std::int64_t ttl = 0;
  if (ttl_text) std::from_chars(ttl_text->data(), ttl_text->data() + ttl_text->size(), ttl);
  if (ttl <= 0)
    co_return api_text(req, bh::status::bad_request, "ttl_seconds is required and positive");
  switch (state.scalars.set(std::move(t.key), std::move(req.body()), ttl * 1000, now)) {
    case ScalarStore::SetResult::ok:
      co_return api_empty(req, bh::status::no_content);
    case ScalarStore::SetResult::item_too_large:
      co_return api_text(req, bh::status::bad_request, "Item size limit exceeded");
    case ScalarStore::SetResult::store_full:
      break;
  }
  co_return api_text(req, bh::status::bad_request, "Cache storage limit exceeded");
}

}  // namespace

void add_cache_routes(http::Router& router, State& state) {
  // Above the item limit, so an oversized value gets Momento's 400 rather than a 413.
  const std::size_t body_limit =
      std::max<std::size_t>(state.options.max_item_bytes, 5 << 20) + (1 << 20);
  auto handler = [&state](http::RequestContext& ctx) { return handle(state, ctx); };
  router.add_prefix(bh::verb::get, "/cache/", handler);
  router.add_prefix(bh::verb::put, "/cache/", handler, body_limit);
  router.add_prefix(bh::verb::delete_, "/cache/", handler);
  router.add_prefix(bh::verb::options, "/cache/",
                    [](http::RequestContext& ctx) -> awaitable<http::Response> {
                      co_return api_preflight(ctx.request);
                    });
}

}  // namespace streampulse::testing::fake
