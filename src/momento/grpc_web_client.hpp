#pragma once
// Unary gRPC-Web calls to Momento over net::HttpClient: framing, metadata, status decoding,
// and the retry rule (idempotent methods only, on transient codes, within the call's budget).
// Throttling (RESOURCE_EXHAUSTED) is returned at once: it is backpressure, not a glitch.
#include "streampulse/momento/call_policy.hpp"
#include "streampulse/momento/credentials.hpp"
#include "streampulse/momento/grpc_web.hpp"
#include "streampulse/net/http_client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <atomic>
#include <random>
#include <string>
#include <string_view>

namespace streampulse::momento {

// What the adapter has seen, for /metrics and logs.
struct CallCounters {
  std::uint64_t calls = 0;
  std::uint64_t failures = 0;   // calls that ended in an error after their attempts
  std::uint64_t retries = 0;    // extra attempts
  std::uint64_t throttled = 0;  // RESOURCE_EXHAUSTED answers
};

struct CallResult {
  GrpcStatus status;
  std::string message;  // the first data message (empty for methods that answer nothing)
};

class GrpcWebClient {
 public:
  // `client_type` goes into the `agent` header ("cache", "auth"), sent on the first call only,
  // as Momento's SDKs do. `grpc_timeout`: send the call's budget as grpc-timeout (the web SDK
  // does on cache calls, not on GenerateDisposableToken).
  GrpcWebClient(net::HttpClient& http, Endpoint endpoint, grpc_web::Mode mode, CallPolicy policy,
                std::string_view client_type = "cache", bool grpc_timeout = true);

  // `cache` empty: no cache header (the token service); `authorization` empty: none.
  boost::asio::awaitable<CallResult> call(std::string_view method_path, std::string request_bytes,
                                          std::string_view authorization, std::string_view cache);

  const CallCounters& counters() const { return counters_; }

 private:
  boost::asio::awaitable<CallResult> attempt(std::string_view method_path, const std::string& body,
                                             std::string_view authorization, std::string_view cache,
                                             std::chrono::milliseconds timeout);

  net::HttpClient& http_;
  Endpoint endpoint_;
  grpc_web::Mode mode_;
  CallPolicy policy_;
  CallCounters counters_;
  std::string agent_;
  bool grpc_timeout_;
  std::atomic<bool> agent_sent_{false};
  std::minstd_rand random_{std::random_device{}()};
};

// A transport failure (no usable HTTP answer) as the gRPC status a gRPC client would report.
GrpcStatus status_for_transport_error(const boost::system::error_code& ec);

}  // namespace streampulse::momento
