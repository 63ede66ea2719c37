#pragma once
// What a route handler sees and returns. Handlers are coroutines; they return a
// message_generator so any body type (string, file) can be sent.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/url_view.hpp>

#include <functional>
#include <optional>
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
  // Content-Length, and Connection: close), the session asks `next` for chunks and writes each
  // (with its write deadline) until `next` returns nullopt or the client is gone, then closes.
  // `next` runs where the route's handler ran (the state loop for Affinity::state); only the
  // session touches the connection.
  using NextChunk = std::function<boost::asio::awaitable<std::optional<std::string>>()>;
  void stream_after(NextChunk next) { next_chunk_ = std::move(next); }
  const NextChunk& next_chunk() const { return next_chunk_; }

 private:
  unsigned status_;
  bool keep_alive_;
  beast_http::message_generator generator_;
  NextChunk next_chunk_;
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
