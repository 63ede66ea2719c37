#include "grpc_util.hpp"

#include "momento/base64.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>

#include <vector>

namespace streampulse::testing::fake {

namespace bh = boost::beast::http;

namespace {

std::string_view answer_content_type(const http::Request& req, Mode mode) {
  if (mode == Mode::text) return "application/grpc-web-text";
  const auto ct = req[bh::field::content_type];
  return ct.starts_with("application/grpc-web+proto") ? "application/grpc-web+proto"
                                                      : "application/grpc-web";
}

// grpc-message is percent-encoded: everything but unreserved printable ASCII.
std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '%') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string trailer_frame(std::string_view block) {
  std::string frame = momento::grpc_web::encode_frame(block);
  frame[0] = static_cast<char>(0x80);
  return frame;
}

}  // namespace

std::optional<Mode> request_mode(const http::Request& req) {
  return momento::grpc_web::mode_of_content_type(req[bh::field::content_type]);
}

std::optional<std::string> request_message(const http::Request& req, Mode mode) {
  momento::grpc_web::FrameDecoder decoder(mode);
  std::vector<std::string> messages;
  if (decoder.feed(req.body(), messages) || messages.size() != 1) return std::nullopt;
  return std::move(messages.front());
}

http::Response grpc_ok(const http::Request& req, Mode mode,
                       const google::protobuf::MessageLite& message) {
  std::string body = momento::grpc_web::encode_frame(message.SerializeAsString());
  body += trailer_frame("grpc-status:0\r\ngrpc-message:\r\n");
  bh::response<bh::string_body> res{bh::status::ok, req.version()};
  res.set(bh::field::content_type, answer_content_type(req, mode));
  res.set(bh::field::access_control_allow_origin, "*");
  res.keep_alive(req.keep_alive());
  res.body() = mode == Mode::text ? momento::detail::base64_encode(body) : std::move(body);
  res.prepare_payload();
  return res;
}

http::Response grpc_error(const http::Request& req, Mode mode, GrpcCode code,
                          std::string_view message, std::string_view err) {
  bh::response<bh::empty_body> res{bh::status::ok, req.version()};
  res.set(bh::field::content_type, answer_content_type(req, mode));
  res.set(bh::field::access_control_allow_origin, "*");
  res.set(bh::field::access_control_expose_headers, "grpc-status, grpc-message, err");
  res.set("grpc-status", std::to_string(static_cast<int>(code)));
  res.set("grpc-message", percent_encode(message));
  if (!err.empty()) res.set("err", err);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

}  // namespace streampulse::testing::fake
