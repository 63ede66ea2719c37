#pragma once
// MomentoStore's parts, shared by momento_store.cpp (collections) and momento_http.cpp (topics,
// scalars, tokens).
#include "grpc_web_client.hpp"
#include "streampulse/momento/momento_store.hpp"
#include "streampulse/net/http_client.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace streampulse::momento {

// At most one warning per second per kind of failure, with how many were folded into it: an
// outage at thousands of heartbeats per second must not flood the log.
class FailureLog {
 public:
  void warn(std::string_view what, const GrpcStatus& status);

 private:
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t suppressed_ = 0;
};

struct MomentoStore::Impl {
  Impl(boost::asio::any_io_executor ex, MomentoSettings s);

  // A Scs call: authorization and cache headers, the store's retry rule. Fails with the errc
  // of the gRPC status (logged); otherwise the first data message.
  boost::asio::awaitable<store::result<std::string>> scs(std::string_view method,
                                                         std::string request_bytes);

  // An HTTP API request with the service's token; `idempotent` allows the retry rule.
  boost::asio::awaitable<store::result<net::Response>> http_api(
      boost::beast::http::verb method, std::string target, std::string body,
      std::string_view content_type, std::chrono::milliseconds timeout, bool idempotent);

  MomentoSettings settings;
  net::HttpClient http;
  GrpcWebClient cache_rpc;
  GrpcWebClient token_rpc;
  boost::asio::steady_timer stop_signal;  // cancelled by shutdown(): wakes the long-polls
  bool stopped = false;  // shutdown(): polls answer at once; other calls still run (draining)
  FailureLog failure_log;
  BackendCounters http_counters;  // the HTTP API's share; gRPC-Web counts in the clients
};

}  // namespace streampulse::momento
