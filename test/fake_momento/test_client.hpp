#pragma once
// A small blocking HTTP client for fake_momento_tests (one request per connection, with a
// deadline), and gRPC-Web calls built with the service's own codec.
#include "streampulse/momento/grpc_web.hpp"

#include <google/protobuf/message_lite.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <map>
#include <string>

namespace streampulse::testing {

struct Reply {
  boost::system::error_code error;  // transport failure (reset, timeout, closed)
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

inline Reply send(unsigned short port, boost::beast::http::verb method, const std::string& target,
                  const std::string& body = {},
                  const std::map<std::string, std::string>& headers = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  namespace beast = boost::beast;
  namespace bh = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  Reply reply;
  bh::request<bh::string_body> req{method, target, 11};
  req.set(bh::field::host, "127.0.0.1");
  req.keep_alive(false);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  if (!body.empty() || method == bh::verb::post || method == bh::verb::put) req.prepare_payload();
  beast::flat_buffer buffer;
  bh::response<bh::string_body> res;
  const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
  stream.expires_after(timeout);
  stream.async_connect(ep, [&](boost::system::error_code ec) {
    if (ec) {
      reply.error = ec;
      return;
    }
    bh::async_write(stream, req, [&](boost::system::error_code wec, std::size_t) {
      if (wec) {
        reply.error = wec;
        return;
      }
      bh::async_read(stream, buffer, res,
                     [&](boost::system::error_code rec, std::size_t) { reply.error = rec; });
    });
  });
  io.run();
  if (reply.error) return reply;
  reply.status = res.result_int();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(f.value());
  }
  reply.body = std::move(res.body());
  return reply;
}

struct GrpcCall {
  std::string authorization;
  std::string cache = "video";
  momento::grpc_web::Mode mode = momento::grpc_web::Mode::binary;
};

// One unary call; the answer decoded by the client's decoder.
inline momento::grpc_web::Response grpc(unsigned short port, const std::string& method,
                                        const google::protobuf::MessageLite& message,
                                        const GrpcCall& call, Reply* raw = nullptr) {
  namespace gw = momento::grpc_web;
  gw::RequestMetadata metadata;
  metadata.mode = call.mode;
  metadata.authorization = call.authorization;
  metadata.cache = call.cache;
  std::map<std::string, std::string> headers;
  for (const auto& h : gw::request_headers(metadata)) headers[h.name] = h.value;
  Reply reply = send(port, boost::beast::http::verb::post, method,
                     gw::encode_request_body(message.SerializeAsString(), call.mode), headers);
  gw::Headers response_headers;
  for (const auto& [name, value] : reply.headers) response_headers.push_back({name, value});
  auto decoded = gw::decode_response(static_cast<int>(reply.status), response_headers, reply.body);
  if (raw) *raw = std::move(reply);
  return decoded;
}

}  // namespace streampulse::testing
