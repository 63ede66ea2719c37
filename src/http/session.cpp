#include "session.hpp"

#include "request_rules.hpp"
#include "session_io.hpp"
#include "streampulse/core/log_fields.hpp"
#include "streampulse/http/response.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <chrono>

namespace streampulse::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

using Clock = std::chrono::steady_clock;

// Runs one routed request. Exceptions stop here: the client gets a bare 500, the log gets the
// detail ("never disclose error info to a potential attacker").
asio::awaitable<Response> dispatch(Request& req, const Router::Match& match,
                                   const std::string& remote) {
  try {
    // The session checked the target already; parsed again here because the request (and its
    // target's storage) moved since.
    auto parsed = parse_target(req.target());
    if (!parsed.target) {
      co_return error_response(req, beast_http::status::bad_request, parsed.refusal->code,
                               parsed.refusal->message);
    }
    RequestContext ctx{req, parsed.target->url, std::move(parsed.target->path), {}, remote};
    // The router matched this same decoded path: the rest is its suffix.
    const auto rest = std::min(match.rest.size(), ctx.path.size());
    ctx.rest = std::string_view(ctx.path).substr(ctx.path.size() - rest);
    co_return co_await (*match.handler)(ctx);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} failed: {}", std::string(req.method_string()),
                  path_only(req.target()), e.what());
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

struct Connection {
  beast::tcp_stream& stream;
  beast::flat_buffer buffer;
  const ServerSettings& settings;
  const Router& router;
  const SessionPlace& place;
  const std::string& remote;
  bool responding = false;  // a response has started going out: too late for a 500
  bool idle = true;         // waiting for (the rest of) a request header
  bool closing = false;     // a stop: no further request on this connection
};

// A stop's steps, on the session's thread: gracefully, an idle connection closes now and a busy
// one after its response; now, the socket closes whatever it is doing.
void on_stop(Connection& c, async::Stop step) {
  c.closing = true;
  if (step == async::Stop::now) {
    boost::system::error_code ignored;
    c.stream.socket().close(ignored);
  } else if (c.idle) {
    c.stream.cancel();
  }
}

// Reads the body under the route's limit; an answer when it is refused, nullopt when read or
// when the client is gone (`gone`).
asio::awaitable<std::optional<Response>> read_body(
    Connection& c, beast_http::request_parser<beast_http::string_body>& parser, std::size_t limit,
    bool& gone) {
  std::optional<Response> refusal;
  if (parser.content_length() && *parser.content_length() > limit) {
    refusal = refuse(beast_http::status::payload_too_large, "payload_too_large",
                     "the request body is larger than " + std::to_string(limit) + " bytes",
                     parser.get().method());
    co_return refusal;
  }
  parser.body_limit(limit);
  // Most bodies arrive with their headers: parse what is buffered before asking the socket
  // (saves an asynchronous operation per request).
  boost::system::error_code body_ec;
  while (!parser.is_done() && c.buffer.size() > 0 && !body_ec) {
    c.buffer.consume(parser.put(c.buffer.data(), body_ec));
  }
  if (body_ec == beast_http::error::need_more) body_ec = {};
  if (!parser.is_done() && !body_ec) {
    c.stream.expires_after(c.settings.body_timeout);
    auto [more_ec, n] = co_await beast_http::async_read(c.stream, c.buffer, parser,
                                                        asio::as_tuple(asio::use_awaitable));
    body_ec = more_ec;
  }
  if (body_ec == beast_http::error::body_limit) {
    refusal = refuse(beast_http::status::payload_too_large, "payload_too_large",
                     "the request body is larger than " + std::to_string(limit) + " bytes",
                     parser.get().method());
  } else if (body_ec) {
    gone = true;  // timeout or reset while reading the body: nothing to answer
  }
  co_return refusal;
}

// One request and its answer; false when the connection is done.
asio::awaitable<bool> serve_one(Connection& c) {
  c.idle = true;
  beast_http::request_parser<beast_http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(c.settings.header_limit));
  // No body limit yet: Beast's default (1 MiB) would refuse a large Content-Length while the
  // headers are read, before the route's own limit is known.
  parser.body_limit(boost::none);
  // One deadline for the whole header: a client dripping bytes cannot extend it.
  c.stream.expires_after(c.settings.header_timeout);
  auto [read_ec, _] = co_await beast_http::async_read_header(c.stream, c.buffer, parser,
                                                             asio::as_tuple(asio::use_awaitable));
  c.idle = false;
  std::optional<Response> early;  // an answer given without running a handler; then close
  if (read_ec == beast_http::error::header_limit) {
    early = refuse(beast_http::status::request_header_fields_too_large, "headers_too_large",
                   "request headers are larger than 8 KiB");
  } else if (read_ec) {
    // The client left, went quiet past the deadline, or the server is stopping: no answer.
    const bool gone = read_ec == beast_http::error::end_of_stream ||
                      read_ec == asio::error::operation_aborted ||
                      read_ec == beast::error::timeout || read_ec == asio::error::connection_reset;
    if (gone) co_return false;
    early = refuse(beast_http::status::bad_request, "bad_request",
                   "the request could not be parsed: " + read_ec.message());
  }

  const auto started = Clock::now();
  std::optional<Router::Match> match;
  std::string path;  // decoded once: what the router matches (match.rest views it)
  if (!early) {
    auto& header = parser.get();
    auto refusal = check_framing(header);
    if (!refusal) {
      auto target = parse_target(header.target());
      if (target.target) path = std::move(target.target->path);
      refusal = std::move(target.refusal);
    }
    if (refusal) early = refuse(refusal->status, refusal->code, refusal->message, header.method());
  }
  if (!early) {
    auto& header = parser.get();
    match = c.router.match(header.method(), path);
    const std::size_t limit =
        match && match->body_limit ? match->body_limit : c.settings.default_body_limit;
    if (match && match->guard) early = (*match->guard)(header);  // refused on the headers?
    if (!early) {
      bool gone = false;
      early = co_await read_body(c, parser, limit, gone);
      if (gone) co_return false;
    }
    c.stream.expires_never();
  }

  Request req = parser.release();
  // Plain statements, not one conditional expression: GCC 12 mishandles co_await inside ?:.
  std::optional<Response> answer = std::move(early);
  const bool refused = answer.has_value();
  if (!answer && !match) {
    answer =
        error_response(req, beast_http::status::not_found, "not_found", "no route for " + path);
  } else if (!answer && !match->handler) {
    answer = method_not_allowed(req, match->allow);
  }
  if (!answer) answer.emplace(co_await run_handler(req, *match, c.remote, c.place));
  Response& res = *answer;

  const bool keep = res.keep_alive() && !refused && !c.closing;
  c.responding = true;
  c.stream.expires_after(c.settings.write_timeout);
  auto [write_ec, written] = co_await beast::async_write(c.stream, std::move(res.generator()),
                                                         asio::as_tuple(asio::use_awaitable));
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
  // One line per request, at debug only: a heartbeat every 750 ms per viewer is about 10 GB a
  // day at 1,000 viewers, and the log thread's wake-ups cost the loops latency. /metrics counts
  // every request by route and status; failures are logged once by the part that failed.
  if (spdlog::should_log(spdlog::level::debug)) {
    const auto method = std::string_view(req.method_string());
    const auto target = path_only(req.target());
    const auto status = static_cast<std::int64_t>(res.status());
    core::LogFields fields;
    fields.add("remote", c.remote).add("method", method).add("path", target);
    fields.add("status", status).add("bytes", static_cast<std::int64_t>(written));
    fields.add("us", static_cast<std::int64_t>(micros));
    if (write_ec) fields.add("error", "write failed");
    spdlog::debug("{}", fields.with_message(fmt::format("{} {} {} {} {}B {}us{}", c.remote, method,
                                                        target, status, written, micros,
                                                        write_ec ? " write-failed" : "")));
  }
  if (write_ec) co_return false;
  if (res.next_chunk()) {
    const bool here = c.place.on_state || match->affinity == Affinity::any;
    co_await send_chunks(c.stream, res.next_chunk(), here, c.place, c.settings.write_timeout);
    co_return false;
  }
  if (refused) {
    co_await linger(c.stream);
    co_return false;
  }
  c.responding = false;
  co_return keep;
}

}  // namespace

asio::awaitable<void> run_session(
    tcp::socket socket, const ServerSettings& settings, const Router& router,
    async::TaskGroup& group, SessionPlace place,
    std::shared_ptr<void> /*keepalive: held until the session ends*/) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  const std::string remote = ec ? std::string("?") : peer.address().to_string();
  // Responses go out whole; Nagle would only hold back the last segment of a long one.
  socket.set_option(tcp::no_delay(true), ec);
  beast::tcp_stream stream(std::move(socket));
  Connection c{stream, {}, settings, router, place, remote};
  // In the group for exactly as long as the session runs, however it ends: a stop never reaches
  // a connection that is gone. Joined late to a stop, it is told at once.
  const auto membership =
      group.join(co_await asio::this_coro::executor, [&c](async::Stop step) { on_stop(c, step); });
  // The session's boundary: nothing escapes it, so the connection always ends here (and leaves
  // the group). No co_await inside a handler block: the failure is noted, answered below.
  bool failed = false;
  try {
    while (!c.closing) {
      const bool more = co_await serve_one(c);  // a statement: GCC 12 and co_await in && / ?:
      if (!more) break;
    }
  } catch (const std::exception& e) {
    spdlog::error("connection from {} failed: {}", remote, e.what());
    failed = true;
  } catch (...) {
    spdlog::error("connection from {} failed: unknown exception", remote);
    failed = true;
  }
  if (failed && !c.responding && stream.socket().is_open()) {
    Response res = refuse(beast_http::status::internal_server_error, "internal",
                          "the server failed to handle the request");
    stream.expires_after(settings.write_timeout);
    co_await beast::async_write(stream, std::move(res.generator()),
                                asio::as_tuple(asio::use_awaitable));
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.close();
}

}  // namespace streampulse::http
