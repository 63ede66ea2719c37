#include "session_io.hpp"

#include "streampulse/http/response.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include <array>

namespace streampulse::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

std::string_view path_only(std::string_view target) { return target.substr(0, target.find('?')); }

Response method_not_allowed(const Request& req, const std::string& allow) {
  beast_http::response<beast_http::string_body> r{beast_http::status::method_not_allowed,
                                                  req.version()};
  r.set(beast_http::field::allow, allow);
  r.set(beast_http::field::content_type, "application/json");
  r.keep_alive(req.keep_alive());
  r.body() = boost::json::serialize(boost::json::object{
      {"error", "method_not_allowed"},
      {"message", std::string(req.method_string()) + " is not allowed on " +
                      std::string(path_only(req.target())) + "; allowed: " + allow}});
  r.prepare_payload();
  if (req.method() == beast_http::verb::head) r.body().clear();  // Content-Length stays
  return r;
}

Response refuse(beast_http::status status, std::string_view code, std::string_view message,
                beast_http::verb method) {
  Request req;
  // A HEAD gets the head only. Only HEAD is copied: Beast throws on setting verb::unknown.
  if (method == beast_http::verb::head) req.method(method);
  req.version(11);
  req.keep_alive(false);
  return error_response(req, status, code, message);
}

asio::awaitable<void> linger(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 16 * 1024> scratch;
  std::size_t drained = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (drained < 1024 * 1024) {
    auto [read_ec, n] =
        co_await stream.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
    if (read_ec) break;
    drained += n;
  }
}

asio::awaitable<void> send_chunks(beast::tcp_stream& stream, const Response::NextChunk& next,
                                  bool here, const SessionPlace& place,
                                  std::chrono::milliseconds write_timeout) {
  for (;;) {
    std::optional<std::string> chunk;
    if (here) {
      chunk = co_await next();
    } else {
      chunk = co_await asio::co_spawn(place.state, next(), asio::use_awaitable);
    }
    if (!chunk) co_return;
    stream.expires_after(write_timeout);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(*chunk),
                                              asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // the client is gone
  }
}

}  // namespace streampulse::http
