// gRPC-Web routes: cache_client.Scs (header checks, then the method), Pubsub/Publish, and the
// token service. Every error is a trailers-only answer, as Momento's gRPC-Web gateway sends.
#include "grpc_handlers.hpp"

#include "momento_proto/common.pb.h"

#include <map>

namespace streampulse::testing::fake {

namespace bh = boost::beast::http;
namespace cc = cache_client;

namespace {

constexpr std::size_t kGrpcBodyLimit = 24 * 1024 * 1024;  // 16 MiB frames, base64 in text mode

using Method = awaitable<http::Response> (*)(Call&);

awaitable<http::Response> scalar_get(Call& call) {
  auto m = parse_message<cc::_GetRequest>(call.message);
  if (!m) co_return malformed(call);
  cc::_GetResponse out;
  auto value = call.state.scalars.get(m->cache_key(), call.state.clock.now_ms());
  out.set_result(value ? cc::Hit : cc::Miss);
  if (value) out.set_cache_body(std::move(*value));
  co_return ok(call, out);
}

awaitable<http::Response> scalar_set(Call& call) {
  auto m = parse_message<cc::_SetRequest>(call.message);
  if (!m) co_return malformed(call);
  if (m->ttl_milliseconds() == 0) {
    co_return grpc_error(call.req, call.mode, GrpcCode::invalid_argument,
                         "ttl_milliseconds must be positive");
  }
  const auto ttl =
      static_cast<std::int64_t>(std::min<std::uint64_t>(m->ttl_milliseconds(), 1ULL << 50));
  auto r = call.state.scalars.set(m->cache_key(), m->cache_body(), ttl, call.state.clock.now_ms());
  if (r != ScalarStore::SetResult::ok) {
    co_return grpc_error(call.req, call.mode, GrpcCode::resource_exhausted,
                         "Item size limit exceeded", "item_size_limit_exceeded");
  }
  cc::_SetResponse out;
  out.set_result(cc::Ok);
  co_return ok(call, out);
}

awaitable<http::Response> scalar_delete(Call& call) {
  auto m = parse_message<cc::_DeleteRequest>(call.message);
  if (!m) co_return malformed(call);
  call.state.scalars.remove(m->cache_key());
  co_return ok(call, cc::_DeleteResponse());
}

const std::map<std::string, Method, std::less<>>& scs_methods() {
  static const std::map<std::string, Method, std::less<>> methods{
      {"Get", scalar_get},
      {"Set", scalar_set},
      {"Delete", scalar_delete},
      {"SortedSetPut", sorted_set_put},
      {"SortedSetFetch", sorted_set_fetch},
      {"SortedSetLengthByScore", sorted_set_length_by_score},
      {"SortedSetRemove", sorted_set_remove},
      {"DictionarySet", dictionary_set},
      {"DictionaryFetch", dictionary_fetch},
      {"DictionaryGet", dictionary_get},
      {"DictionaryLength", dictionary_length},
      {"DictionaryDelete", dictionary_delete},
      {"DictionaryIncrement", dictionary_increment},
  };
  return methods;
}

// Not gRPC-Web at all: what a gRPC-Web gateway answers to a plain HTTP request.
http::Response not_grpc_web(const http::Request& req) {
  bh::response<bh::string_body> res{bh::status::unsupported_media_type, req.version()};
  res.set(bh::field::content_type, "text/plain");
  res.keep_alive(req.keep_alive());
  res.body() = "expected application/grpc-web[+proto] or application/grpc-web-text";
  res.prepare_payload();
  return res;
}

awaitable<http::Response> scs(State& state, http::RequestContext& ctx) {
  const auto& req = ctx.request;
  const auto mode = request_mode(req);
  if (!mode) co_return not_grpc_web(req);
  const auto& methods = scs_methods();
  const auto method = methods.find(ctx.rest);
  if (method == methods.end()) {
    co_return grpc_error(req, *mode, GrpcCode::unimplemented,
                         "Method not found: cache_client.Scs/" + std::string(ctx.rest));
  }
  if (!state.is_service_key(req["authorization"]))
    co_return grpc_error(req, *mode, GrpcCode::unauthenticated, "Invalid signature");
  if (req.find("cache") == req.end())
    co_return grpc_error(req, *mode, GrpcCode::invalid_argument, "Missing cache header");
  if (req["cache"] != state.options.cache)
    co_return grpc_error(req, *mode, GrpcCode::not_found, "Cache not found");
  auto message = request_message(req, *mode);
  if (!message) {
    co_return grpc_error(req, *mode, GrpcCode::invalid_argument,
                         "the body is not one gRPC-Web message");
  }
  Call call{state, req, *mode, std::move(*message)};
  co_return co_await method->second(call);
}

// Publish from a gRPC-Web client: the service's key, or a token that grants it.
awaitable<http::Response> publish(State& state, http::RequestContext& ctx) {
  const auto& req = ctx.request;
  const auto mode = request_mode(req);
  if (!mode) co_return not_grpc_web(req);
  const std::string credential(req["authorization"]);
  store::result<Claims> claims = make_error_code(errc::unauthenticated);
  if (!state.is_service_key(credential)) {
    claims = state.tokens.verify(unwrap_credential(credential));
    if (!claims) co_return grpc_error(req, *mode, GrpcCode::unauthenticated, "Invalid signature");
  }
  auto message = request_message(req, *mode);
  auto m = message ? parse_message<cache_client::pubsub::_PublishRequest>(*message) : std::nullopt;
  if (!m) co_return grpc_error(req, *mode, GrpcCode::invalid_argument, "malformed request");
  if (m->cache_name() != state.options.cache)
    co_return grpc_error(req, *mode, GrpcCode::not_found, "Cache not found");
  if (claims && !allows_topic(*claims, m->cache_name(), m->topic(), true))
    co_return grpc_error(req, *mode, GrpcCode::permission_denied, "Insufficient permissions");
  store::TopicValue value{m->value().has_binary(),
                          m->value().has_binary() ? m->value().binary() : m->value().text()};
  std::string publisher = claims ? claims->token_id : std::string();
  auto done = co_await state.publish(m->topic(), std::move(value), std::move(publisher));
  if (!done && done.error() == errc::payload_too_large) {
    // RESOURCE_EXHAUSTED: the SDKs read every `err` limit cause (this one included) only there.
    co_return grpc_error(req, *mode, GrpcCode::resource_exhausted, done.error().message(),
                         "request_size_limit_exceeded");
  }
  if (!done) co_return grpc_error(req, *mode, GrpcCode::invalid_argument, done.error().message());
  co_return grpc_ok(req, *mode, common::_Empty());
}

awaitable<http::Response> generate_token(State& state, http::RequestContext& ctx) {
  const auto& req = ctx.request;
  const auto mode = request_mode(req);
  if (!mode) co_return not_grpc_web(req);
  auto message = request_message(req, *mode);
  auto m = message ? parse_message<token::_GenerateDisposableTokenRequest>(*message) : std::nullopt;
  if (!m) co_return grpc_error(req, *mode, GrpcCode::invalid_argument, "malformed request");
  if (!state.is_service_key(m->auth_token()))
    co_return grpc_error(req, *mode, GrpcCode::unauthenticated, "Invalid signature");
  const std::int64_t now = state.clock.now_ms();
  auto claims = claims_from_request(*m, now);
  if (auto* why = std::get_if<std::string>(&claims))
    co_return grpc_error(req, *mode, GrpcCode::invalid_argument, *why);
  const auto& granted = std::get<Claims>(claims);
  token::_GenerateDisposableTokenResponse out;
  out.set_api_key(state.tokens.mint(granted));
  out.set_endpoint(state.options.listen_host);
  out.set_valid_until(static_cast<std::uint64_t>(granted.expires_at_ms / 1000));
  co_return grpc_ok(req, *mode, out);
}

}  // namespace

http::Response malformed(const Call& call) {
  return grpc_error(call.req, call.mode, GrpcCode::invalid_argument,
                    "the request message does not parse");
}

http::Response store_error(const Call& call, const boost::system::error_code& ec) {
  GrpcCode code = GrpcCode::internal;
  if (ec == errc::invalid_argument) code = GrpcCode::invalid_argument;
  if (ec == errc::payload_too_large || ec == errc::resource_exhausted)
    code = GrpcCode::resource_exhausted;
  if (ec == errc::unavailable) code = GrpcCode::unavailable;
  return grpc_error(call.req, call.mode, code, ec.message());
}

void add_grpc_routes(http::Router& router, State& state) {
  router.add_prefix(
      bh::verb::post, "/cache_client.Scs/",
      [&state](http::RequestContext& ctx) { return scs(state, ctx); }, kGrpcBodyLimit);
  router.add(
      bh::verb::post, "/cache_client.pubsub.Pubsub/Publish",
      [&state](http::RequestContext& ctx) { return publish(state, ctx); }, kGrpcBodyLimit);
  router.add(
      bh::verb::post, "/token.Token/GenerateDisposableToken",
      [&state](http::RequestContext& ctx) { return generate_token(state, ctx); }, kGrpcBodyLimit);
}

}  // namespace streampulse::testing::fake
