// The gRPC-Web response side: FrameDecoder (binary and text) and decode_response.
// Input: control byte (bit 0: text mode, bit 1: the body starts with "name:value" header lines
// ended by an empty line), chunk-size byte, then the body.
// Checks: feeding in chunks gives what one feed gives; decode_response agrees with the
// decoder; and a frame we encode ourselves decodes back to the same bytes.
#include "fuzz_check.hpp"
#include "momento/base64.hpp"  // private to src/momento: text-mode bodies
#include "streampulse/momento/grpc_web.hpp"

#include <string>
#include <vector>

using namespace streampulse::momento;
using namespace streampulse::momento::grpc_web;
namespace fuzz = streampulse::fuzz;

namespace {

constexpr std::size_t kCap = 64 * 1024;  // small, so the fuzzer can reach the frame size limit

struct Decoded {
  std::vector<std::string> messages;
  GrpcStatus status;
};

Decoded decode_in_chunks(Mode mode, std::string_view body, std::size_t chunk) {
  Decoded d;
  FrameDecoder decoder(mode, kCap);
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    if (decoder.feed(body.substr(at, chunk), d.messages)) break;
  }
  d.status = decoder.finish();
  return d;
}

Headers parse_headers(std::string_view block) {
  Headers out;
  for (const auto& line : fuzz::split_fields(block, 8)) {
    const auto colon = line.find(':');
    if (colon != std::string_view::npos)
      out.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  return out;
}

// Our own framing of `message` plus a NOT_FOUND trailer (text mode: two separately padded
// base64 chunks, as servers send them) must decode to exactly that message and status.
void check_round_trip(Mode mode, std::string_view message, std::size_t chunk) {
  std::string trailer = encode_frame("grpc-status: 5\r\ngrpc-message: not%20found\r\n");
  trailer[0] = static_cast<char>(0x80);
  const std::string body = mode == Mode::text
                               ? encode_request_body(message, mode) + detail::base64_encode(trailer)
                               : encode_frame(message) + trailer;
  const auto d = decode_in_chunks(mode, body, chunk);
  FUZZ_CHECK(d.status.code == GrpcCode::not_found && d.status.message == "not found");
  FUZZ_CHECK(d.messages.size() == 1 && d.messages[0] == message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const Mode mode = (data[0] & 1) ? Mode::text : Mode::binary;
  const std::size_t chunk = data[1] % 16 + 1;
  std::string_view body = fuzz::as_view(data + 2, size - 2);
  Headers headers;
  if (data[0] & 2) {
    const auto end = body.find("\n\n");
    if (end != std::string_view::npos) {
      headers = parse_headers(body.substr(0, end));
      body.remove_prefix(end + 2);
    }
  }

  const auto whole = decode_in_chunks(mode, body, body.size() + 1);
  const auto pieces = decode_in_chunks(mode, body, chunk);
  // Text mode may name a different first problem (a chunk's frames are read before the next
  // chunk's base64 is checked), but never succeeds one way and fails the other.
  FUZZ_CHECK(whole.status.ok() == pieces.status.ok());
  if (mode == Mode::binary || whole.status.ok()) {
    FUZZ_CHECK(whole.status.code == pieces.status.code);
    FUZZ_CHECK(whole.status.message == pieces.status.message);
  }
  if (whole.status.ok()) FUZZ_CHECK(whole.messages == pieces.messages);

  // decode_response with only a content-type agrees with the decoder, except where only our
  // small cap applies (it decodes with the default one).
  Headers typed{{"content-type", std::string(content_type(mode))}};
  if (whole.status.code != GrpcCode::resource_exhausted) {
    const auto r = decode_response(200, typed, body);
    FUZZ_CHECK(r.status.code == whole.status.code);
    if (r.status.ok()) FUZZ_CHECK(r.messages == whole.messages);
  }
  // With the fuzzed headers and a status chosen by the input: no crash, no UB.
  const int http_status = data[0] & 4 ? 200 : 400 + data[1] % 110;
  (void)decode_response(http_status, headers, body);
  (void)mode_of_content_type(find_header(headers, "content-type").value_or(""));

  check_round_trip(mode, body.substr(0, 4096), chunk);
  return 0;
}
