#pragma once
// What a route handler sees and returns. Handlers are coroutines; they return a
// message_generator so any body type (string, file) can be sent.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/url_view.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace streampulse::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::message_generator;

struct RequestContext {
  Request& request;
  boost::urls::url_view target;  // parsed request target (path and query)
  std::string path;              // percent-decoded path
  std::string_view rest;         // for prefix routes: the decoded path after the prefix
  std::string remote_address;
};

using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

}  // namespace streampulse::http
