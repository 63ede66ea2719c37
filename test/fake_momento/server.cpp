#include "server.hpp"

#include "http_api.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <unordered_map>

namespace streampulse::testing::fake {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr std::size_t kDefaultBodyLimit = 64 * 1024;

struct Connection {
  beast::tcp_stream* stream;
  asio::steady_timer* timer;
};

struct FakeServer::Impl {
  Impl(State& s, const http::Router& r) : state(s), router(r), acceptor(s.executor) {}
  State& state;
  const http::Router& router;
  tcp::acceptor acceptor;
  std::unordered_map<void*, Connection> connections;
  bool stopped = false;
};

namespace {

std::string_view path_only(std::string_view target) { return target.substr(0, target.find('?')); }

// Runs the route's handler; exceptions become a bare 500.
asio::awaitable<http::Response> dispatch(http::Request& req, const http::Router::Match& match) {
  auto target = boost::urls::parse_origin_form(req.target());
  if (!target) co_return api_text(req, bh::status::bad_request, "Bad request target");
  http::RequestContext ctx{req, *target, target->path(), {}, "127.0.0.1"};
  ctx.rest = std::string_view(ctx.path).substr(ctx.path.size() - match.rest.size());
  try {
    co_return co_await (*match.handler)(ctx);
  } catch (const std::exception&) {
  }
  co_return api_text(req, bh::status::internal_server_error, "Internal error");
}

// A hanging request: read (and drop) whatever comes until the client closes or the fake stops.
asio::awaitable<void> hold(beast::tcp_stream& stream) {
  std::array<char, 4096> scratch;
  stream.expires_never();
  for (;;) {
    auto [ec, n] =
        co_await stream.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

// Closes with SO_LINGER 0, so the client sees a reset rather than an orderly end.
void reset(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().set_option(asio::socket_base::linger(true, 0), ec);
  stream.socket().close(ec);
}

asio::awaitable<void> session(std::shared_ptr<FakeServer::Impl> impl, tcp::socket socket) {
  State& state = impl->state;
  beast::tcp_stream stream(std::move(socket));
  asio::steady_timer timer(state.executor);
  impl->connections.emplace(&stream, Connection{&stream, &timer});
  beast::flat_buffer buffer;
  while (!impl->stopped) {
    bh::request_parser<bh::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(boost::none);
    stream.expires_after(kIdleTimeout);
    auto [header_ec, n] =
        co_await bh::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (header_ec) break;
    const std::string path(path_only(parser.get().target()));
    const auto match = impl->router.match(parser.get().method(), path);
    parser.body_limit(match && match->body_limit ? match->body_limit : kDefaultBodyLimit);
    auto [body_ec, m] =
        co_await bh::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (body_ec) break;  // over the limit, or the client left: no answer
    stream.expires_never();
    http::Request req = parser.release();

    std::optional<http::Response> answer;
    if (!path.starts_with("/_fake/")) {
      ++state.request_counts[std::string(req.method_string()) + " " + path];
      if (auto faults = state.faults.take(path)) {
        if (faults->latency.count() > 0) {
          timer.expires_after(faults->latency);
          co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (impl->stopped) break;
        }
        if (faults->reset) {
          reset(stream);
          break;
        }
        if (faults->hang) {
          co_await hold(stream);
          break;
        }
        if (faults->fail_status != 0) answer.emplace(fault_response(req, path, *faults));
      }
    }
    if (!answer && (!match || !match->handler)) {
      answer.emplace(match ? api_text(req, bh::status::method_not_allowed, "Method Not Allowed")
                           : api_text(req, bh::status::not_found, "Not Found"));
    }
    if (!answer) answer.emplace(co_await dispatch(req, *match));
    const bool keep = answer->keep_alive();
    stream.expires_after(kIdleTimeout);
    auto [write_ec, written] = co_await beast::async_write(stream, std::move(answer->generator()),
                                                           asio::as_tuple(asio::use_awaitable));
    if (write_ec || !keep) break;
  }
  impl->connections.erase(&stream);
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

}  // namespace

FakeServer::FakeServer(State& state, const http::Router& router)
    : impl_(std::make_shared<Impl>(state, router)) {}

FakeServer::~FakeServer() = default;

boost::system::error_code FakeServer::listen(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

unsigned short FakeServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

asio::awaitable<void> FakeServer::run() {
  auto impl = impl_;
  while (!impl->stopped) {
    auto [ec, socket] = co_await impl->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (impl->stopped || ec == asio::error::operation_aborted) break;
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(impl->state.executor, session(impl, std::move(socket)), asio::detached);
  }
}

void FakeServer::stop() {
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  for (auto& [key, c] : impl_->connections) {
    c.timer->cancel();
    c.stream->socket().close(ec);
  }
}

}  // namespace streampulse::testing::fake
