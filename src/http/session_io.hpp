#pragma once
// The session's small pieces (private to http/): refusals, the lingering close, streamed bodies.
#include "session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace streampulse::http {

// The path of a target without its query: request logs must not carry tokens.
std::string_view path_only(std::string_view target);

// 405 with the Allow header.
Response method_not_allowed(const Request& req, const std::string& allow);

// A JSON error that closes the connection (HTTP/1.1, Connection: close); no body for a HEAD.
Response refuse(beast_http::status status, std::string_view code, std::string_view message,
                beast_http::verb method = beast_http::verb::get);

// After refusing a request whose body was not read, close gently: stop sending, then read and
// drop what the client still sends for a moment (at most 1 MiB, 2 s). Closing with unread data
// makes the kernel send a reset, which can destroy the refusal before the client reads it
// (nginx's lingering close).
boost::asio::awaitable<void> linger(boost::beast::tcp_stream& stream);

// Sends a streamed body chunk by chunk. The chunks are made where the handler ran (`here`, or
// on the state loop); only the session touches the connection.
boost::asio::awaitable<void> send_chunks(boost::beast::tcp_stream& stream,
                                         const Response::NextChunk& next, bool here,
                                         const SessionPlace& place,
                                         std::chrono::milliseconds write_timeout);

}  // namespace streampulse::http
