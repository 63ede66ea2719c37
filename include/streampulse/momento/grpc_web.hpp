#pragma once
// gRPC-Web over HTTP/1.1 (docs/momento.md §11.3, section 10): request framing and headers, and
// decoding of unary and server-streaming responses, in binary (application/grpc-web) or text
// (application/grpc-web-text, base64) mode. Pure: bytes in, bytes out; no sockets.
#include "streampulse/momento/grpc_status.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::momento::grpc_web {

enum class Mode { binary, text };

// Inbound frames larger than this are refused before they are buffered.
inline constexpr std::size_t kMaxFrameBytes = 16 * 1024 * 1024;

struct Header {
  std::string name;
  std::string value;
  friend bool operator==(const Header&, const Header&) = default;
};
using Headers = std::vector<Header>;

// Case-insensitive lookup of the first header with this name.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);

// ---- requests ----

// One length-prefixed message: flag 0x00, big-endian uint32 length, the bytes.
std::string encode_frame(std::string_view message);
// The HTTP body: the frame, or in text mode its standard base64.
std::string encode_request_body(std::string_view message, Mode mode);
// "application/grpc-web" (what Momento's .NET gRPC-Web build sends) or
// "application/grpc-web-text" (what @gomomento/sdk-web sends).
std::string_view content_type(Mode mode);

// "cpp:<client_type>:<streampulse version>", the `agent` header value.
std::string agent(std::string_view client_type = "cache");

struct RequestMetadata {
  Mode mode = Mode::text;
  std::string authorization;  // empty: not sent (the token service takes it in the body)
  std::string cache;          // empty: not sent (every Scs call needs it)
  std::string agent;          // empty: not sent (Momento's SDKs send it on a client's first call)
  std::optional<std::chrono::milliseconds> timeout;  // sent as grpc-timeout "<ms>m"
};

// content-type (text mode: also accept and x-grpc-web, as grpc-web JS sends them), then the
// optional ones. Host, Content-Length and the path are the transport's.
Headers request_headers(const RequestMetadata& metadata);

// ---- responses ----

// Binary for application/grpc-web[+proto], text for application/grpc-web-text[+proto].
std::optional<Mode> mode_of_content_type(std::string_view content_type);

// A trailers-only response: grpc-status (and grpc-message, err) as HTTP headers.
std::optional<GrpcStatus> status_from_headers(const Headers& headers);

// Incremental body decoder, for long-lived streams (Subscribe) as well as whole bodies.
// Protocol violations become a status: INTERNAL for malformed or truncated input,
// RESOURCE_EXHAUSTED for a frame over the cap.
class FrameDecoder {
 public:
  explicit FrameDecoder(Mode mode, std::size_t max_frame_bytes = kMaxFrameBytes);

  // Appends each complete data message in `chunk` to `out`. Returns the error once the body
  // breaks the protocol (and from then on); nullopt while it is fine.
  std::optional<GrpcStatus> feed(std::string_view chunk, std::vector<std::string>& out);
  // The trailer frame's status, once it has arrived.
  const std::optional<GrpcStatus>& trailer() const { return trailer_; }
  // No error, and nothing buffered: the body so far is whole frames.
  bool at_frame_boundary() const { return !error_ && text_.empty() && pos_ == buffer_.size(); }
  // At the end of the body: the trailer's status, or why there is none (truncated frame,
  // missing trailer, bytes after it).
  GrpcStatus finish() const;

 private:
  bool decode_text(std::string_view chunk);

  Mode mode_;
  std::size_t max_frame_bytes_;
  std::string text_;    // text mode: base64 not yet decoded (an incomplete quantum)
  std::string buffer_;  // bytes not yet framed, from pos_
  std::size_t pos_ = 0;
  std::optional<GrpcStatus> trailer_;
  std::optional<GrpcStatus> error_;
};

struct Response {
  std::vector<std::string> messages;  // data messages in order; use only when status.ok()
  GrpcStatus status;
};

// A whole unary response, read as grpc-web JS reads it. Order: an error grpc-status in the
// headers (trailers-only) wins; then a non-200 HTTP status without one is mapped to a code;
// then the body's frames are decoded, and the status is the trailer frame's, or an OK
// grpc-status header's when the trailers came as headers and the body holds only data frames.
Response decode_response(int http_status, const Headers& headers, std::string_view body);

}  // namespace streampulse::momento::grpc_web
