// MomentoStore over the HTTP API (topics publish and long-poll, cache scalars), the token
// service, the health check and shutdown.
#include "momento_store_impl.hpp"

#include "streampulse/momento/http_api.hpp"
#include "streampulse/momento/messages.hpp"
#include "streampulse/momento/methods.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

namespace streampulse::momento {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;
using store::result;

namespace {

bool transient(GrpcCode code) {
  return code == GrpcCode::unavailable || code == GrpcCode::internal || code == GrpcCode::cancelled;
}

GrpcStatus status_of(const net::Response& res) {
  GrpcStatus s;
  s.code = code_for_http_status(static_cast<int>(res.status));
  s.message = "HTTP " + std::to_string(res.status) + " " + http_api::error_reason(res.body);
  return s;
}

}  // namespace

asio::awaitable<result<net::Response>> MomentoStore::Impl::http_api(
    bh::verb method, std::string target, std::string body, std::string_view content_type,
    milliseconds timeout, bool idempotent) {
  ++http_counters.calls;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  static thread_local std::minstd_rand random{std::random_device{}()};
  GrpcStatus status;
  for (int attempt = 1;; ++attempt) {
    net::Request req;
    req.method = method;
    req.url = settings.credentials.hosts.http_api.url() + target;
    req.headers.set(bh::field::authorization, settings.credentials.http_api_token);
    if (!content_type.empty()) req.headers.set(bh::field::content_type, content_type);
    req.body = body;
    req.timeout = std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(
                                                deadline - std::chrono::steady_clock::now()));
    auto res = co_await http.request(std::move(req));
    if (res.has_value() && res->status < 300) co_return std::move(*res);
    if (res.has_value() && res->status == 404) co_return std::move(*res);  // caller decides
    status = res.has_value() ? status_of(*res) : status_for_transport_error(res.error());
    if (status.code == GrpcCode::resource_exhausted) ++http_counters.throttled;
    if (!idempotent || !transient(status.code) || attempt >= settings.policy.max_attempts) break;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const auto pause = backoff_delay(settings.policy, attempt, unit(random));
    if (std::chrono::steady_clock::now() + pause >= deadline) break;
    asio::steady_timer timer(co_await asio::this_coro::executor, pause);
    co_await timer.async_wait(asio::use_awaitable);
    ++http_counters.retries;
  }
  ++http_counters.failures;
  if (stopped && status.code == GrpcCode::cancelled) co_return make_error_code(errc::unavailable);
  failure_log.warn(std::string(bh::to_string(method)) + " " + target.substr(0, target.find('?')),
                   status);
  co_return make_error_code(to_errc(status.code));
}

// ---- topics ----

store::awaitable<result<void>> MomentoStore::topic_publish(std::string_view topic,
                                                           store::TopicValue value,
                                                           std::string /*publisher_id*/) {
  // Momento sets the publisher from the credential; the argument is the embedded store's.
  const std::string_view type = value.binary ? "application/octet-stream" : "text/plain";
  auto res =
      co_await impl_->http_api(bh::verb::post, http_api::topic_path(impl_->settings.cache, topic),
                               std::move(value.data), type, impl_->settings.policy.budget,
                               /*idempotent=*/false);
  if (res.has_error()) co_return res.error();
  if (res->status == 404) co_return make_error_code(errc::not_found);
  co_return result<void>{};
}

store::awaitable<result<std::vector<store::SubscriptionEvent>>> MomentoStore::topic_poll(
    std::string_view topic, store::SubscribePosition from, milliseconds max_wait) {
  if (impl_->stopped) co_return std::vector<store::SubscriptionEvent>{};
  // Momento holds a long-poll until there is something (its bound is not documented): ours is
  // max_wait, after which the poll is simply re-issued.
  auto request =
      impl_->http_api(bh::verb::get, http_api::subscribe_target(impl_->settings.cache, topic, from),
                      {}, {}, max_wait, /*idempotent=*/false);
  // as_tuple: the cancelled wait must not throw out of the || operator.
  auto stop = impl_->stop_signal.async_wait(asio::as_tuple(asio::use_awaitable));
  auto first = co_await (std::move(request) || std::move(stop));
  if (first.index() == 1 || impl_->stopped) co_return std::vector<store::SubscriptionEvent>{};
  auto& res = std::get<0>(first);
  if (res.has_error()) {
    if (res.error() == errc::deadline_exceeded) co_return std::vector<store::SubscriptionEvent>{};
    co_return res.error();
  }
  if (res->status == 404) co_return make_error_code(errc::not_found);
  co_return http_api::read_long_poll(res->body);
}

// ---- scalars ----

store::awaitable<result<std::optional<std::string>>> MomentoStore::scalar_get(
    std::string_view key) {
  auto res =
      co_await impl_->http_api(bh::verb::get, http_api::scalar_target(impl_->settings.cache, key),
                               {}, {}, impl_->settings.policy.budget, true);
  if (res.has_error()) co_return res.error();
  if (res->status == 404) {
    // "Key Not Found" is a miss; "Cache Not Found" is a configuration error.
    if (res->body.find("Cache") != std::string::npos) co_return make_error_code(errc::not_found);
    co_return std::optional<std::string>{};
  }
  co_return std::optional<std::string>(std::move(res->body));
}

store::awaitable<result<void>> MomentoStore::scalar_set(std::string_view key, std::string value,
                                                        std::chrono::seconds ttl) {
  auto res = co_await impl_->http_api(
      bh::verb::put,
      http_api::scalar_target(impl_->settings.cache, key, std::max<long>(1, ttl.count())),
      std::move(value), "application/octet-stream", impl_->settings.policy.budget, true);
  if (res.has_error()) co_return res.error();
  if (res->status == 404) co_return make_error_code(errc::not_found);
  co_return result<void>{};
}

store::awaitable<result<void>> MomentoStore::scalar_delete(std::string_view key) {
  auto res = co_await impl_->http_api(bh::verb::delete_,
                                      http_api::scalar_target(impl_->settings.cache, key), {}, {},
                                      impl_->settings.policy.budget, true);
  if (res.has_error()) co_return res.error();
  if (res->status == 404) co_return make_error_code(errc::not_found);
  co_return result<void>{};
}

// ---- tokens, health, stop ----

store::awaitable<result<store::ViewerToken>> MomentoStore::viewer_token(
    std::string_view heartbeat_topic, std::string_view count_topic, std::chrono::seconds valid_for,
    std::string token_id) {
  ViewerTokenRequest request;
  request.token_id = token_id;  // a view of the coroutine's own copy
  request.auth_token = impl_->settings.credentials.auth_token;
  request.cache = impl_->settings.cache;
  request.heartbeat_topic = heartbeat_topic;
  request.count_topic = count_topic;
  request.valid_for = valid_for;
  auto r = co_await impl_->token_rpc.call(
      methods::kGenerateDisposableToken,
      make_generate_disposable_token(request).SerializeAsString(), {}, {});
  if (!r.status.ok()) {
    impl_->failure_log.warn("GenerateDisposableToken", r.status);
    co_return make_error_code(to_errc(r.status.code));
  }
  auto token = read_generate_disposable_token(r.message);
  if (!token) co_return token.error();
  store::ViewerToken out;
  out.token = browser_token(*token);
  out.expires_at_ms = static_cast<std::int64_t>(token->valid_until) * 1000;
  out.topics_base_url = impl_->settings.credentials.hosts.http_api.url();
  co_return out;
}

store::awaitable<result<void>> MomentoStore::ping() {
  // A cheap read that needs the cache to exist and the key to be valid; a missing
  // dictionary is a fine answer.
  auto r = co_await dictionary_length("streampulse-ping");
  if (r.has_error()) co_return r.error();
  co_return result<void>{};
}

void MomentoStore::shutdown() {
  impl_->stopped = true;
  impl_->stop_signal.cancel();
}

}  // namespace streampulse::momento
