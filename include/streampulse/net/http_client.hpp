#pragma once
// A coroutine HTTP/1.1 client (http:// and https://) with a keep-alive connection pool per
// scheme://host:port.
//
// Every wait (pool slot, resolve, connect, TLS handshake, write, read) runs against one deadline
// per request, and failures come back as values: a transport error (deadline_exceeded,
// unavailable after shutdown(), payload_too_large, connection_refused, a TLS error...) or a
// Response with any status.
//
// https: one OpenSSL context per client, made at the first https request: TLS 1.2 minimum, the
// system CA store (plus HttpClientOptions::extra_ca_file), SNI for names, and the certificate
// checked against the URL's host name or IP address. A certificate that fails verification
// comes back as an error of tls_verify_category() (see is_tls_verify_error()). Connections are
// closed without a TLS close_notify (HTTP/1.1 messages are self-delimiting).
//
// Not thread-safe: call it from one thread, or from a strand passed as the executor. The client
// must outlive every request() it started.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/error_code.hpp>
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
  std::chrono::milliseconds connect_timeout{3000};  // resolve + connect + TLS handshake, within
                                                    // the above
  std::chrono::milliseconds idle_timeout{30'000};   // idle connections older than this are dropped
  std::size_t max_response_body = 8 * 1024 * 1024;
  // https: a PEM file of CA certificates trusted in addition to the system store (a private
  // proxy, tests). If it cannot be loaded, every https request fails with that error.
  std::string extra_ca_file;
  // https: accept any certificate for any name. ONLY for tests; never set it in the service.
  bool insecure_skip_verify_for_tests = false;
};

struct Request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string url;  // absolute, http:// or https://
  boost::beast::http::fields headers;
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;  // overrides request_timeout
};

struct Response {
  unsigned status = 0;
  boost::beast::http::fields headers;
  std::string body;
};

// The category of certificate verification failures: the value is OpenSSL's X509_V_ERR_* code and
// message() reads "TLS certificate verification failed: <reason>" (for example "hostname
// mismatch", "unable to get local issuer certificate", "certificate has expired").
const boost::system::error_category& tls_verify_category() noexcept;
bool is_tls_verify_error(const boost::system::error_code& ec) noexcept;

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
