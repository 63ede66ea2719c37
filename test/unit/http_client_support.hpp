#pragma once
// Shared by the HttpClient tests (http_client_requests_test.cpp, http_client_limits_test.cpp): a
// tiny Beast server on 127.0.0.1:0, requests, options, and a coroutine run next to the server. A
// named namespace: the same types and inline functions in every file.
#include <boost/asio/io_context.hpp>
#include "streampulse/core/error.hpp"
#include "streampulse/core/webhook.hpp"
#include "streampulse/net/http_client.hpp"
#include "streampulse/sim/simulator.hpp"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <functional>
#include <optional>
#include <vector>

namespace streampulse::net::http_client_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

inline Request make(std::string url,
                    std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                    bhttp::verb method = bhttp::verb::get, std::string body = {}) {
  Request r;
  r.method = method;
  r.url = std::move(url);
  r.body = std::move(body);
  r.timeout = timeout;
  return r;
}

inline HttpClientOptions with_connections(std::size_t n) {
  HttpClientOptions o;
  o.max_connections_per_host = n;
  return o;
}

// Paths: /hang never answers, /close answers then closes (without saying so), /flaky drops the
// connection unanswered when it is not the connection's first request, /big answers 64 KiB,
// anything else echoes method, body and x-test header.
class TestServer {
 public:
  explicit TestServer(asio::io_context& io)
      : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
           std::string(path);
  }
  int accepted = 0;
  std::vector<bhttp::request<bhttp::string_body>> requests;

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      ++accepted;
      asio::co_spawn(acceptor_.get_executor(), session(beast::tcp_stream(std::move(socket))),
                     asio::detached);
    }
  }
  asio::awaitable<void> session(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (int served = 0;; ++served) {
      bhttp::request<bhttp::string_body> req;
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, req, use_tuple);
      if (ec) co_return;
      requests.push_back(req);
      if (req.target() == "/hang") continue;  // read on: ends when the client gives up
      if (req.target() == "/flaky" && served > 0) co_return;
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      if (req.target() == "/big") {
        res.body() = std::string(64 * 1024, 'x');
      } else {
        res.body() = std::string(req.method_string()) + " " + req.body();
        res.set("x-echo", req["x-test"]);
      }
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, m] = co_await bhttp::async_write(stream, res, use_tuple);
      if (wec || req.target() == "/close") co_return;
    }
  }
  tcp::acceptor acceptor_;
};

// Runs `body` as a coroutine next to the server; stops when it returns.
inline void run(asio::io_context& io, std::function<asio::awaitable<void>()> body) {
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    io.stop();
    if (e) std::rethrow_exception(e);
  });
  io.run_for(20s);
}

}  // namespace streampulse::net::http_client_test
