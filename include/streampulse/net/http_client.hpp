#pragma once
// A coroutine HTTP/1.1 client with a keep-alive connection pool per host:port.
//
// Every wait (pool slot, resolve, connect, write, read) runs against one deadline per request,
// and failures come back as values: a transport error (deadline_exceeded, unavailable after
// shutdown(), payload_too_large, connection_refused...) or a Response with any status.
//
// Not thread-safe: call it from one thread, or from a strand passed as the executor. The client
// must outlive every request() it started.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace streampulse::net {

struct HttpClientOptions {
  std::size_t max_connections_per_host = 8;
  std::chrono::milliseconds request_timeout{5000};  // whole request, pool wait included
  std::chrono::milliseconds connect_timeout{3000};  // resolve + connect, within the above
  std::chrono::milliseconds idle_timeout{30'000};   // idle connections older than this are dropped
  std::size_t max_response_body = 8 * 1024 * 1024;
};

struct Request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string url;  // absolute, http:// only for now
  boost::beast::http::fields headers;
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;  // overrides request_timeout
};

struct Response {
  unsigned status = 0;
  boost::beast::http::fields headers;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(boost::asio::any_io_executor ex, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request. A reused keep-alive connection that turns out closed by the server is
  // replaced by a fresh one once, if the request was not sent yet or the method is idempotent.
  // Never throws (cancellation of the calling coroutine surfaces as operation_aborted).
  boost::asio::awaitable<boost::system::result<Response>> request(Request req);

  // Closes idle connections, aborts requests in flight and wakes pool waiters; later requests
  // fail with errc::unavailable.
  void shutdown();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace streampulse::net
