#pragma once
// Server side of gRPC-Web unary calls: the request's mode and message, and answers (data frame
// + trailer frame, or trailers-only for errors) in the mode the request used.
#include "streampulse/http/types.hpp"
#include "streampulse/momento/grpc_status.hpp"
#include "streampulse/momento/grpc_web.hpp"

#include <google/protobuf/message_lite.h>

#include <optional>
#include <string>
#include <string_view>

namespace streampulse::testing::fake {

using momento::GrpcCode;
using momento::grpc_web::Mode;

// From the request's content-type; nullopt when it is not gRPC-Web.
std::optional<Mode> request_mode(const http::Request& req);

// The one message of a request body; nullopt when the body is not a single data frame.
std::optional<std::string> request_message(const http::Request& req, Mode mode);

// HTTP 200, a data frame with `message`, then the OK trailer frame.
http::Response grpc_ok(const http::Request& req, Mode mode,
                       const google::protobuf::MessageLite& message);
// HTTP 200 trailers-only: grpc-status, grpc-message (percent-encoded) and Momento's `err`
// metadata as headers, empty body.
http::Response grpc_error(const http::Request& req, Mode mode, GrpcCode code,
                          std::string_view message, std::string_view err = {});

// Parses a request message; nullopt when the bytes are not one.
template <class Message>
std::optional<Message> parse_message(std::string_view bytes) {
  Message m;
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  return m;
}

}  // namespace streampulse::testing::fake
