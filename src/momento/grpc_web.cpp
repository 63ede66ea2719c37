#include "streampulse/momento/grpc_web.hpp"

#include "base64.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace streampulse::momento::grpc_web {

namespace {

constexpr unsigned char kTrailerFlag = 0x80;
constexpr std::size_t kFrameHeaderBytes = 5;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// grpc-message is percent-encoded UTF-8; a malformed escape is kept as it is.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_digit(s[i + 1]);
      const int lo = hex_digit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// The big-endian uint32 after the flags byte.
std::size_t frame_length(const unsigned char* header) {
  return (std::size_t{header[1]} << 24) | (std::size_t{header[2]} << 16) |
         (std::size_t{header[3]} << 8) | std::size_t{header[4]};
}

GrpcStatus protocol_error(std::string message, GrpcCode code = GrpcCode::internal) {
  return {code, "gRPC-Web: " + std::move(message), {}};
}

// Builds a status from grpc-status / grpc-message / err, wherever they came from.
GrpcStatus make_status(std::string_view status, std::string_view message, std::string_view err) {
  int value = -1;
  const auto [end, ec] = std::from_chars(status.data(), status.data() + status.size(), value);
  if (ec != std::errc() || end != status.data() + status.size() || value < 0 || value > 16) {
    return protocol_error("invalid grpc-status '" + std::string(status) + "'", GrpcCode::unknown);
  }
  return {static_cast<GrpcCode>(value), percent_decode(message), std::string(err)};
}

// The trailer frame's payload: HTTP/1-style "name: value" lines, with or without the space.
GrpcStatus parse_trailer(std::string_view block) {
  std::optional<std::string_view> status;
  std::string_view message;
  std::string_view err;
  while (!block.empty()) {
    const auto nl = block.find('\n');
    const std::string_view line = block.substr(0, nl);
    block = nl == std::string_view::npos ? std::string_view() : block.substr(nl + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "grpc-status")) status = value;
    if (iequals(name, "grpc-message")) message = value;
    if (iequals(name, "err")) err = value;
  }
  if (!status) return protocol_error("trailer without grpc-status");
  return make_status(*status, message, err);
}

// Printable start of a non-gRPC body (e.g. "Cache Not Found"), for the log line.
std::string excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) {
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  return std::string(trim(out));
}

}  // namespace

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::string encode_frame(std::string_view message) {
  const auto n = static_cast<std::uint32_t>(message.size());
  std::string out;
  out.reserve(kFrameHeaderBytes + message.size());
  out += '\0';
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  out += message;
  return out;
}

std::string encode_request_body(std::string_view message, Mode mode) {
  std::string frame = encode_frame(message);
  return mode == Mode::text ? detail::base64_encode(frame) : frame;
}

std::string_view content_type(Mode mode) {
  return mode == Mode::text ? "application/grpc-web-text" : "application/grpc-web";
}

std::string agent(std::string_view client_type) {
  return "cpp:" + std::string(client_type) + ":" STREAMPULSE_VERSION;
}

// Each mode sends the headers of the official client that speaks it (docs/momento.md): text
// those of @gomomento/sdk-web (grpc-web JS), binary those of Momento's .NET gRPC-Web build.
Headers request_headers(const RequestMetadata& m) {
  Headers h{{"content-type", std::string(content_type(m.mode))}};
  if (m.mode == Mode::text) {
    h.push_back({"accept", std::string(content_type(m.mode))});
    h.push_back({"x-grpc-web", "1"});
  }
  if (!m.authorization.empty()) h.push_back({"authorization", m.authorization});
  if (!m.cache.empty()) h.push_back({"cache", m.cache});
  if (!m.agent.empty()) h.push_back({"agent", m.agent});
  if (m.timeout) {
    // TimeoutValue has at most 8 digits: beyond ~27 hours, say it in seconds.
    const auto ms = std::max<std::int64_t>(0, m.timeout->count());
    h.push_back({"grpc-timeout", ms <= 99'999'999 ? std::to_string(ms) + "m"
                                                  : std::to_string((ms + 999) / 1000) + "S"});
  }
  return h;
}

std::optional<Mode> mode_of_content_type(std::string_view ct) {
  ct = trim(ct.substr(0, ct.find(';')));
  if (iequals(ct, "application/grpc-web-text") || iequals(ct, "application/grpc-web-text+proto"))
    return Mode::text;
  if (iequals(ct, "application/grpc-web") || iequals(ct, "application/grpc-web+proto"))
    return Mode::binary;
  return std::nullopt;
}

std::optional<GrpcStatus> status_from_headers(const Headers& headers) {
  const auto status = find_header(headers, "grpc-status");
  if (!status) return std::nullopt;
  return make_status(trim(*status), trim(find_header(headers, "grpc-message").value_or("")),
                     trim(find_header(headers, "err").value_or("")));
}

FrameDecoder::FrameDecoder(Mode mode, std::size_t max_frame_bytes)
    : mode_(mode), max_frame_bytes_(max_frame_bytes) {}

// Text bodies may be several independently padded base64 chunks back to back: decode whole
// 4-character quanta, ending a run at each padded quantum.
bool FrameDecoder::decode_text(std::string_view chunk) {
  for (char c : chunk) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') text_ += c;
  }
  const std::size_t usable = text_.size() / 4 * 4;
  std::size_t start = 0;
  for (std::size_t q = 0; q < usable; q += 4) {
    if (text_[q + 3] != '=' && q + 4 != usable) continue;
    const auto bytes = detail::base64_decode(std::string_view(text_).substr(start, q + 4 - start));
    if (!bytes) return false;
    buffer_ += *bytes;
    start = q + 4;
  }
  text_.erase(0, usable);
  return true;
}

std::optional<GrpcStatus> FrameDecoder::feed(std::string_view chunk,
                                             std::vector<std::string>& out) {
  if (error_) return error_;
  if (mode_ == Mode::binary) {
    buffer_ += chunk;
  } else if (!decode_text(chunk)) {
    return error_ = protocol_error("invalid base64 in a grpc-web-text body");
  }
  while (buffer_.size() - pos_ >= kFrameHeaderBytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + pos_);
    const std::size_t length = frame_length(p);
    if (trailer_) return error_ = protocol_error("data after the trailer frame");
    if (p[0] != 0 && p[0] != kTrailerFlag) {
      // Bit 0 is compression, which we never ask for; other bits are undefined.
      return error_ = protocol_error("unsupported frame flags " + std::to_string(p[0]));
    }
    if (length > max_frame_bytes_) {
      return error_ = protocol_error("frame of " + std::to_string(length) + " bytes exceeds the " +
                                         std::to_string(max_frame_bytes_) + "-byte limit",
                                     GrpcCode::resource_exhausted);
    }
    if (buffer_.size() - pos_ - kFrameHeaderBytes < length) break;
    std::string payload = buffer_.substr(pos_ + kFrameHeaderBytes, length);
    const bool is_trailer = p[0] == kTrailerFlag;
    pos_ += kFrameHeaderBytes + length;
    if (is_trailer) {
      trailer_ = parse_trailer(payload);
    } else {
      out.push_back(std::move(payload));
    }
  }
  if (pos_ == buffer_.size() || pos_ > 64 * 1024) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  return std::nullopt;
}

GrpcStatus FrameDecoder::finish() const {
  if (error_) return *error_;
  if (!text_.empty()) return protocol_error("truncated base64 at the end of the body");
  const std::size_t left = buffer_.size() - pos_;
  if (trailer_) return left == 0 ? *trailer_ : protocol_error("data after the trailer frame");
  if (left >= kFrameHeaderBytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + pos_);
    const std::size_t length = frame_length(p);
    return protocol_error("truncated frame: " + std::to_string(left - kFrameHeaderBytes) + " of " +
                          std::to_string(length) + " bytes");
  }
  if (left > 0) return protocol_error("truncated frame header");
  return protocol_error("the response ended without a grpc-status trailer");
}

Response decode_response(int http_status, const Headers& headers, std::string_view body) {
  Response r;
  const auto header_status = status_from_headers(headers);
  // An error in the headers (trailers-only) is the answer, whatever the body holds.
  if (header_status && !header_status->ok()) {
    r.status = *header_status;
    return r;
  }
  if (!header_status && http_status != 200) {
    r.status.code = code_for_http_status(http_status);
    r.status.message = "HTTP " + std::to_string(http_status);
    if (const auto text = excerpt(body); !text.empty()) r.status.message += ": " + text;
    return r;
  }
  const auto ct = find_header(headers, "content-type").value_or("");
  const auto mode = mode_of_content_type(ct);
  if (!mode) {
    r.status =
        protocol_error("unexpected content-type '" + std::string(ct) + "'", GrpcCode::unknown);
    return r;
  }
  FrameDecoder decoder(*mode);
  if (auto error = decoder.feed(body, r.messages)) {
    r.status = std::move(*error);
  } else if (header_status && !decoder.trailer() && decoder.at_frame_boundary()) {
    r.status = *header_status;  // OK in the headers, data frames in the body, no trailer frame
  } else {
    r.status = decoder.finish();
  }
  return r;
}

}  // namespace streampulse::momento::grpc_web
