#include "grpc_web_client.hpp"

#include "streampulse/core/error.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>

namespace streampulse::momento {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds backoff_delay(const CallPolicy& policy, int attempt, double random01) {
  const double base = static_cast<double>(policy.backoff_base.count());
  const double cap = static_cast<double>(policy.backoff_max.count());
  const double ceiling = std::min(cap, base * std::pow(2.0, std::max(0, attempt - 1)));
  const auto ms = static_cast<std::int64_t>(std::ceil(ceiling * std::clamp(random01, 0.0, 1.0)));
  return milliseconds(std::max<std::int64_t>(1, ms));
}

GrpcStatus status_for_transport_error(const boost::system::error_code& ec) {
  GrpcStatus s;
  if (ec == errc::deadline_exceeded || ec == asio::error::timed_out) {
    s.code = GrpcCode::deadline_exceeded;
  } else if (ec == asio::error::operation_aborted) {
    s.code = GrpcCode::cancelled;
  } else if (ec == errc::payload_too_large) {
    s.code = GrpcCode::resource_exhausted;
  } else {
    // Refused, reset, closed, unresolvable, TLS: the backend could not be reached.
    s.code = GrpcCode::unavailable;
  }
  s.message = ec.message();
  return s;
}

GrpcWebClient::GrpcWebClient(net::HttpClient& http, Endpoint endpoint, grpc_web::Mode mode,
                             CallPolicy policy, std::string_view client_type, bool grpc_timeout)
    : http_(http),
      endpoint_(std::move(endpoint)),
      mode_(mode),
      policy_(policy),
      agent_(grpc_web::agent(client_type)),
      grpc_timeout_(grpc_timeout) {}

asio::awaitable<CallResult> GrpcWebClient::call(std::string_view method_path,
                                                std::string request_bytes,
                                                std::string_view authorization,
                                                std::string_view cache) {
  ++counters_.calls;
  const std::string body = grpc_web::encode_request_body(request_bytes, mode_);
  const auto deadline = Clock::now() + policy_.budget;
  CallResult out;
  for (int attempt = 1;; ++attempt) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    out = co_await this->attempt(method_path, body, authorization, cache,
                                 std::max(left, milliseconds(1)));
    if (out.status.ok()) co_return out;
    if (out.status.code == GrpcCode::resource_exhausted) ++counters_.throttled;
    if (attempt >= policy_.max_attempts || !is_retryable(method_path, out.status.code)) break;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const auto pause = backoff_delay(policy_, attempt, unit(random_));
    if (Clock::now() + pause >= deadline) break;  // no time left for another attempt
    asio::steady_timer timer(co_await asio::this_coro::executor, pause);
    co_await timer.async_wait(asio::use_awaitable);
    ++counters_.retries;
  }
  ++counters_.failures;
  co_return out;
}

asio::awaitable<CallResult> GrpcWebClient::attempt(std::string_view method_path,
                                                   const std::string& body,
                                                   std::string_view authorization,
                                                   std::string_view cache, milliseconds timeout) {
  grpc_web::RequestMetadata meta;
  meta.mode = mode_;
  meta.authorization = std::string(authorization);
  meta.cache = std::string(cache);
  if (!agent_sent_.exchange(true)) meta.agent = agent_;
  if (grpc_timeout_) meta.timeout = timeout;
  net::Request req;
  req.method = bh::verb::post;
  req.url = endpoint_.url() + std::string(method_path);
  for (const auto& h : grpc_web::request_headers(meta)) req.headers.set(h.name, h.value);
  req.body = body;
  req.timeout = timeout;
  auto res = co_await http_.request(std::move(req));
  CallResult out;
  if (res.has_error()) {
    out.status = status_for_transport_error(res.error());
    co_return out;
  }
  grpc_web::Headers headers;
  for (const auto& f : res->headers)
    headers.push_back({std::string(f.name_string()), std::string(f.value())});
  auto decoded = grpc_web::decode_response(static_cast<int>(res->status), headers, res->body);
  out.status = std::move(decoded.status);
  if (out.status.ok() && !decoded.messages.empty()) out.message = std::move(decoded.messages[0]);
  co_return out;
}

}  // namespace streampulse::momento
