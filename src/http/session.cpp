#include "session.hpp"

#include "streampulse/http/response.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <chrono>

namespace streampulse::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

void SessionRegistry::set_idle(void* key, bool idle) {
  if (auto it = sessions_.find(key); it != sessions_.end()) it->second.idle = idle;
}

void SessionRegistry::close_idle() {
  closing_ = true;
  for (auto& [key, entry] : sessions_) {
    if (entry.idle) entry.stream->cancel();
  }
}

void SessionRegistry::close_all() {
  closing_ = true;
  for (auto& [key, entry] : sessions_) entry.stream->socket().close();
}

namespace {

using Clock = std::chrono::steady_clock;

// Routes and runs one request. Exceptions stop here: the client gets a bare 500, the log
// gets the detail ("never disclose error info to a potential attacker").
asio::awaitable<Response> dispatch(Request& req, const Router::Match& match,
                                   const std::string& remote) {
  auto target = boost::urls::parse_origin_form(req.target());
  if (!target) {
    co_return error_response(req, beast_http::status::bad_request, "bad_target",
                             "the request target is not a valid path");
  }
  RequestContext ctx{req, *target, target->path(), {}, remote};
  ctx.rest = std::string_view(ctx.path).substr(ctx.path.size() - match.rest.size());
  try {
    co_return co_await (*match.handler)(ctx);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} failed: {}", std::string(req.method_string()), ctx.path,
                  e.what());
  }
  co_return error_response(req, beast_http::status::internal_server_error, "internal",
                           "the server failed to handle the request");
}

// dispatch() for co_spawn, whose results must be default-constructible.
asio::awaitable<std::optional<Response>> dispatch_elsewhere(Request& req,
                                                            const Router::Match& match,
                                                            const std::string& remote) {
  co_return co_await dispatch(req, match, remote);
}

// Runs the route's handler where its affinity says: here, or on the state loop and back.
asio::awaitable<Response> run_handler(Request& req, const Router::Match& match,
                                      const std::string& remote, const SessionPlace& place) {
  if (place.on_state || match.affinity == Affinity::any)
    co_return co_await dispatch(req, match, remote);
  auto res = co_await asio::co_spawn(place.state, dispatch_elsewhere(req, match, remote),
                                     asio::use_awaitable);
  co_return std::move(*res);
}

// Sends a streamed body chunk by chunk. The chunks are made where the handler ran; only this
// session touches the connection.
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

// The path of a target without its query: request logs must not carry tokens.
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
  return r;
}

Response refuse(beast_http::status status, std::string_view code, std::string_view message) {
  Request req;
  req.version(11);
  req.keep_alive(false);
  return error_response(req, status, code, message);
}

// After refusing a request whose body was not read, close gently: stop sending, then read and
// drop what the client still sends for a moment. Closing with unread data makes the kernel send
// a reset, which can destroy the refusal before the client reads it (nginx's lingering close).
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

}  // namespace

asio::awaitable<void> run_session(
    tcp::socket socket, const ServerSettings& settings, const Router& router,
    SessionRegistry& registry, SessionPlace place,
    std::shared_ptr<void> /*keepalive: held until the session ends*/) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  const std::string remote = ec ? std::string("?") : peer.address().to_string();
  // Responses go out whole; Nagle would only hold back the last segment of a long one.
  socket.set_option(tcp::no_delay(true), ec);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  registry.add(&stream, {&stream, true});

  while (!registry.closing()) {
    registry.set_idle(&stream, true);
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(settings.header_limit));
    // No body limit yet: Beast's default (1 MiB) would refuse a large Content-Length while the
    // headers are read, before the route's own limit is known.
    parser.body_limit(boost::none);
    // One deadline for the whole header: a client dripping bytes cannot extend it.
    stream.expires_after(settings.header_timeout);
    auto [read_ec, _] = co_await beast_http::async_read_header(stream, buffer, parser,
                                                               asio::as_tuple(asio::use_awaitable));
    registry.set_idle(&stream, false);
    std::optional<Response> early;  // an answer given without running a handler
    if (read_ec == beast_http::error::header_limit) {
      early = refuse(beast_http::status::request_header_fields_too_large, "headers_too_large",
                     "request headers are larger than 8 KiB");
    } else if (read_ec) {
      // The client left, went quiet past the deadline, or the server is stopping: no answer.
      const bool gone = read_ec == beast_http::error::end_of_stream ||
                        read_ec == asio::error::operation_aborted ||
                        read_ec == beast::error::timeout ||
                        read_ec == asio::error::connection_reset;
      if (gone) break;
      early = refuse(beast_http::status::bad_request, "bad_request",
                     "the request could not be parsed: " + read_ec.message());
    }

    const auto started = Clock::now();
    std::optional<Router::Match> match;
    if (!early) {
      auto& header = parser.get();
      match = router.match(header.method(), path_only(header.target()));
      const std::size_t limit =
          match && match->body_limit ? match->body_limit : settings.default_body_limit;
      if (match && match->guard) early = (*match->guard)(header);  // refused on the headers?
      if (!early && parser.content_length() && *parser.content_length() > limit) {
        early = refuse(beast_http::status::payload_too_large, "payload_too_large",
                       "the request body is larger than " + std::to_string(limit) + " bytes");
      } else if (!early) {
        parser.body_limit(limit);
        // Most bodies arrive with their headers: parse what is buffered before asking the
        // socket (saves an asynchronous operation per request).
        boost::system::error_code body_ec;
        while (!parser.is_done() && buffer.size() > 0 && !body_ec) {
          buffer.consume(parser.put(buffer.data(), body_ec));
        }
        if (body_ec == beast_http::error::need_more) body_ec = {};
        if (!parser.is_done() && !body_ec) {
          stream.expires_after(settings.body_timeout);
          auto [more_ec, __] = co_await beast_http::async_read(stream, buffer, parser,
                                                               asio::as_tuple(asio::use_awaitable));
          body_ec = more_ec;
        }
        if (body_ec == beast_http::error::body_limit) {
          early = refuse(beast_http::status::payload_too_large, "payload_too_large",
                         "the request body is larger than " + std::to_string(limit) + " bytes");
        } else if (body_ec) {
          break;  // timeout or reset while reading the body: nothing to answer
        }
      }
      stream.expires_never();
    }

    Request req = parser.release();
    // Plain statements, not one conditional expression: GCC 12 mishandles co_await inside ?:.
    std::optional<Response> answer = std::move(early);
    if (!answer && !match) {
      answer = error_response(req, beast_http::status::not_found, "not_found",
                              "no route for " + std::string(path_only(req.target())));
    } else if (!answer && !match->handler) {
      answer = method_not_allowed(req, match->allow);
    }
    if (!answer) answer.emplace(co_await run_handler(req, *match, remote, place));
    Response& res = *answer;

    const bool keep = res.keep_alive() && !early && !registry.closing();
    stream.expires_after(settings.write_timeout);
    auto [write_ec, written] = co_await beast::async_write(stream, std::move(res.generator()),
                                                           asio::as_tuple(asio::use_awaitable));
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    spdlog::info("{} {} {} {} {}B {}us{}", remote, std::string(req.method_string()),
                 path_only(req.target()), res.status(), written, micros,
                 write_ec ? " write-failed" : "");
    if (write_ec) break;
    if (res.next_chunk()) {
      const bool here = place.on_state || match->affinity == Affinity::any;
      co_await send_chunks(stream, res.next_chunk(), here, place, settings.write_timeout);
      break;
    }
    if (early) {
      co_await linger(stream);
      break;
    }
    if (!keep) break;
  }
  registry.remove(&stream);
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.close();
}

}  // namespace streampulse::http
