#pragma once
// What a route handler sees and returns. Handlers are coroutines; they return a
// message_generator so any body type (string, file) can be sent.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/url_view.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace streampulse::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;

// Any Beast response message, type-erased for sending, with the status kept for the logs.
class Response {
 public:
  template <class Body, class Fields>
  Response(beast_http::response<Body, Fields>&& m)  // NOLINT: implicit on purpose
      : status_(m.result_int()), keep_alive_(m.keep_alive()), generator_(std::move(m)) {}

  unsigned status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  beast_http::message_generator& generator() { return generator_; }

  // A body written over time (Server-Sent Events): after sending the message (its head, without
  // Content-Length, and Connection: close), the session gives the connection to `body` and
  // closes it when `body` returns. `body` sets its own write deadlines.
  using StreamBody = std::function<boost::asio::awaitable<void>(boost::beast::tcp_stream&)>;
  void stream_after(StreamBody body) { stream_body_ = std::move(body); }
  const StreamBody& stream_body() const { return stream_body_; }

 private:
  unsigned status_;
  bool keep_alive_;
  beast_http::message_generator generator_;
  StreamBody stream_body_;
};

struct RequestContext {
  Request& request;
  boost::urls::url_view target;  // parsed request target (path and query)
  std::string path;              // percent-decoded path
  std::string_view rest;         // for prefix routes: the decoded path after the prefix
  std::string remote_address;
};

using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

}  // namespace streampulse::http
