#include "streampulse/momento/grpc_web.hpp"
#include "streampulse/momento/methods.hpp"

#include <gtest/gtest.h>

using namespace streampulse;
using namespace streampulse::momento;
using namespace streampulse::momento::grpc_web;

namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

const Headers kBinary{{"Content-Type", "application/grpc-web+proto"}};
const Headers kText{{"content-type", "application/grpc-web-text+proto"}};

// docs/momento.md §11.3: DictionaryLength found{length:3}, then the OK trailer.
const std::string kDataFrame = unhex("00000000040a020803");
const std::string kOkTrailer =
    unhex("800000001e677270632d7374617475733a300d0a677270632d6d6573736167653a0d0a");
const std::string kDocResponse = kDataFrame + kOkTrailer;
constexpr const char* kDocResponseText =
    "AAAAAAQKAggDgAAAAB5ncnBjLXN0YXR1czowDQpncnBjLW1lc3NhZ2U6DQo=";

std::string trailer_frame(std::string_view block) {
  std::string f = encode_frame(block);
  f[0] = static_cast<char>(0x80);
  return f;
}

}  // namespace

TEST(MomentoGrpcWeb, FramesTheDocumentedRequest) {
  const std::string message = unhex("0a06616363742d31");  // DictionaryLength{"acct-1"}
  EXPECT_EQ(encode_frame(message), unhex("00000000080a06616363742d31"));
  EXPECT_EQ(encode_request_body(message, Mode::binary), unhex("00000000080a06616363742d31"));
  EXPECT_EQ(encode_request_body(message, Mode::text), "AAAAAAgKBmFjY3QtMQ==");
  EXPECT_EQ(encode_frame(""), std::string("\0\0\0\0\0", 5));
}

TEST(MomentoGrpcWeb, DecodesTheDocumentedResponseInBothModes) {
  for (const auto& [headers, body] :
       {std::pair{kBinary, kDocResponse}, std::pair{kText, std::string(kDocResponseText)}}) {
    const auto r = decode_response(200, headers, body);
    ASSERT_TRUE(r.status.ok()) << r.status.describe();
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0], unhex("0a020803"));
    EXPECT_EQ(r.status.message, "");
  }
}

TEST(MomentoGrpcWeb, DecodesAnyChunkingOfTheBody) {
  for (const Mode mode : {Mode::binary, Mode::text}) {
    const std::string body = mode == Mode::binary ? kDocResponse : kDocResponseText;
    FrameDecoder decoder(mode);
    std::vector<std::string> out;
    for (char c : body) ASSERT_FALSE(decoder.feed(std::string_view(&c, 1), out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(decoder.trailer().has_value());
    EXPECT_TRUE(decoder.finish().ok());
  }
}

TEST(MomentoGrpcWeb, TextBodyMayBeConcatenatedPaddedChunks) {
  // Each frame base64-encoded on its own, as a streaming server sends them.
  const std::string chunks = encode_request_body(unhex("0a020803"), Mode::text) +
                             encode_request_body(unhex("0a0208"), Mode::text) + "\r\n" +
                             "gAAAAA9ncnBjLXN0YXR1czowDQo=";  // trailer "grpc-status:0\r\n"
  const auto r = decode_response(200, kText, chunks);
  ASSERT_TRUE(r.status.ok()) << r.status.describe();
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[1], unhex("0a0208"));
  EXPECT_EQ(decode_response(200, kText, "AAAAAAQKAgg!").status.code, GrpcCode::internal);
}

TEST(MomentoGrpcWeb, TrailersOnlyResponseComesFromHeaders) {
  const Headers headers{{"content-type", "application/grpc-web+proto"},
                        {"grpc-status", "5"},
                        {"grpc-message", "Cache%20not%20found%3A%20video"}};
  const auto r = decode_response(200, headers, "");
  EXPECT_EQ(r.status.code, GrpcCode::not_found);
  EXPECT_EQ(r.status.message, "Cache not found: video");
  EXPECT_EQ(to_errc(r.status.code), errc::not_found);
  EXPECT_TRUE(r.messages.empty());
}

TEST(MomentoGrpcWeb, TrailerLinesWithOrWithoutSpaceAndPercentDecoded) {
  const std::string body =
      kDataFrame + trailer_frame(
                       "Grpc-Status: 8\r\ngrpc-message:  Rate%20exceeded%E2%9C%93 %zz\r\n"
                       "err: operations_rate_limit_exceeded\r\n");
  const auto r = decode_response(200, kBinary, body);
  EXPECT_EQ(r.status.code, GrpcCode::resource_exhausted);
  EXPECT_EQ(r.status.message, "Rate exceeded\u2713 %zz");  // a bad escape stays as it is
  EXPECT_EQ(r.status.err, "operations_rate_limit_exceeded");
  EXPECT_EQ(r.status.describe(),
            "RESOURCE_EXHAUSTED (8): Rate exceeded\u2713 %zz [err=operations_rate_limit_exceeded]");
  EXPECT_EQ(to_errc(r.status.code), errc::resource_exhausted);
}

TEST(MomentoGrpcWeb, TruncatedBodiesAreInternalErrors) {
  const auto cut_payload = decode_response(200, kBinary, kDocResponse.substr(0, 7));
  EXPECT_EQ(cut_payload.status.code, GrpcCode::internal);
  EXPECT_NE(cut_payload.status.message.find("truncated frame: 2 of 4 bytes"), std::string::npos);
  const auto cut_header = decode_response(200, kBinary, kDocResponse.substr(0, 3));
  EXPECT_NE(cut_header.status.message.find("truncated frame header"), std::string::npos);
  const auto no_trailer = decode_response(200, kBinary, kDataFrame);
  EXPECT_NE(no_trailer.status.message.find("without a grpc-status"), std::string::npos);
  const auto cut_text = decode_response(200, kText, std::string(kDocResponseText).substr(0, 10));
  EXPECT_EQ(cut_text.status.code, GrpcCode::internal);
  const auto after = decode_response(200, kBinary, kDocResponse + kDataFrame);
  EXPECT_NE(after.status.message.find("after the trailer"), std::string::npos);
  const auto compressed = decode_response(200, kBinary, "\x01" + kDataFrame.substr(1));
  EXPECT_EQ(compressed.status.code, GrpcCode::internal);
  const auto no_status = decode_response(200, kBinary, trailer_frame("grpc-message: x\r\n"));
  EXPECT_NE(no_status.status.message.find("without grpc-status"), std::string::npos);
  const auto bad_status = decode_response(200, kBinary, trailer_frame("grpc-status: ok\r\n"));
  EXPECT_EQ(bad_status.status.code, GrpcCode::unknown);
}

TEST(MomentoGrpcWeb, OversizeFrameIsRefusedFromItsHeader) {
  FrameDecoder decoder(Mode::binary);
  std::vector<std::string> out;
  const auto error = decoder.feed(unhex("0001000001"), out);  // 16 MiB + 1, no payload yet
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, GrpcCode::resource_exhausted);
  EXPECT_NE(error->message.find("16777217"), std::string::npos);
  EXPECT_TRUE(decoder.feed("more", out));  // the error sticks
  EXPECT_EQ(decoder.finish().code, GrpcCode::resource_exhausted);

  FrameDecoder small(Mode::binary, 3);
  EXPECT_TRUE(small.feed(kDataFrame, out));
}

TEST(MomentoGrpcWeb, NonOkHttpStatusMapsToGrpcCodes) {
  const std::pair<int, GrpcCode> table[] = {{400, GrpcCode::invalid_argument},
                                            {401, GrpcCode::unauthenticated},
                                            {403, GrpcCode::permission_denied},
                                            {404, GrpcCode::not_found},
                                            {409, GrpcCode::aborted},
                                            {412, GrpcCode::failed_precondition},
                                            {429, GrpcCode::resource_exhausted},
                                            {499, GrpcCode::cancelled},
                                            {500, GrpcCode::unknown},
                                            {501, GrpcCode::unimplemented},
                                            {503, GrpcCode::unavailable},
                                            {504, GrpcCode::deadline_exceeded},
                                            {502, GrpcCode::unknown},
                                            {418, GrpcCode::unknown}};
  for (const auto& [http, code] : table) {
    EXPECT_EQ(decode_response(http, {}, "").status.code, code) << http;
  }
  const auto r = decode_response(404, {{"content-type", "text/plain"}}, "Cache Not Found\n");
  EXPECT_EQ(r.status.message, "HTTP 404: Cache Not Found");
  // A grpc-status header is more precise than the HTTP status.
  EXPECT_EQ(decode_response(500, {{"grpc-status", "16"}}, "").status.code,
            GrpcCode::unauthenticated);
  // 200 that is not gRPC-Web at all (a captive portal, a misrouted proxy).
  const auto html = decode_response(200, {{"content-type", "text/html"}}, "<html>");
  EXPECT_EQ(html.status.code, GrpcCode::unknown);
  EXPECT_NE(html.status.message.find("text/html"), std::string::npos);
}

TEST(MomentoGrpcWeb, RequestHeaders) {
  // Text mode (the default): the headers @gomomento/sdk-web's grpc-web client sends.
  RequestMetadata m;
  m.authorization = "KEY";
  m.cache = "video";
  m.agent = agent();
  m.timeout = std::chrono::milliseconds(5000);
  const Headers h = request_headers(m);
  EXPECT_EQ(find_header(h, "content-type"), "application/grpc-web-text");
  EXPECT_EQ(find_header(h, "Accept"), "application/grpc-web-text");
  EXPECT_EQ(find_header(h, "x-grpc-web"), "1");
  EXPECT_EQ(find_header(h, "authorization"), "KEY");
  EXPECT_EQ(find_header(h, "cache"), "video");
  EXPECT_EQ(find_header(h, "agent"), "cpp:cache:" STREAMPULSE_VERSION);
  EXPECT_EQ(find_header(h, "grpc-timeout"), "5000m");
  EXPECT_FALSE(find_header(h, "runtime-version"));

  // Binary: application/grpc-web as Momento's .NET gRPC-Web build sends it, no accept and no
  // x-grpc-web (grpc-dotnet sends neither).
  m.mode = Mode::binary;
  const Headers b = request_headers(m);
  EXPECT_EQ(find_header(b, "content-type"), "application/grpc-web");
  EXPECT_FALSE(find_header(b, "accept"));
  EXPECT_FALSE(find_header(b, "x-grpc-web"));
  EXPECT_EQ(find_header(b, "cache"), "video");

  // The token service: credential in the body, no cache; agent only when given.
  const Headers token = request_headers({Mode::text, "", "", "", std::nullopt});
  EXPECT_EQ(find_header(token, "content-type"), "application/grpc-web-text");
  EXPECT_FALSE(find_header(token, "authorization"));
  EXPECT_FALSE(find_header(token, "cache"));
  EXPECT_FALSE(find_header(token, "grpc-timeout"));
  EXPECT_FALSE(find_header(token, "agent"));
  EXPECT_EQ(agent("auth"), "cpp:auth:" STREAMPULSE_VERSION);
}

// Response shapes grpc-web JS (under @gomomento/sdk-web) accepts, read the same way here.
TEST(MomentoGrpcWeb, TrailersAsHeadersWithDataFramesInTheBody) {
  for (const Mode mode : {Mode::binary, Mode::text}) {
    const std::string ct =
        mode == Mode::binary ? "application/grpc-web" : "application/grpc-web-text";
    const Headers ok{{"content-type", ct}, {"grpc-status", "0"}, {"grpc-message", ""}};
    const std::string body = encode_request_body(unhex("0a020803"), mode);  // data frame only
    const auto r = decode_response(200, ok, body);
    ASSERT_TRUE(r.status.ok()) << r.status.describe();
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0], unhex("0a020803"));
    // An error status in the headers wins over whatever the body holds.
    const Headers failed{{"content-type", ct}, {"grpc-status", "14"}, {"grpc-message", "down"}};
    const auto e = decode_response(200, failed, body);
    EXPECT_EQ(e.status.code, GrpcCode::unavailable);
    EXPECT_EQ(e.status.message, "down");
    EXPECT_TRUE(e.messages.empty());
    // OK in the headers, but the body is cut mid-frame: still a protocol error.
    EXPECT_EQ(decode_response(200, ok, kDataFrame.substr(0, 6)).status.code, GrpcCode::internal);
  }
  // Both: the trailer frame in the body is the status.
  const Headers both{{"content-type", "application/grpc-web"}, {"grpc-status", "0"}};
  const auto r = decode_response(200, both, kDataFrame + trailer_frame("grpc-status: 5\r\n"));
  EXPECT_EQ(r.status.code, GrpcCode::not_found);
}

TEST(MomentoGrpcWeb, TrailersOnlyErrorsInTextModeWithPercentEncodedUtf8) {
  const Headers headers{{"content-type", "application/grpc-web-text"},
                        {"grpc-status", "8"},
                        {"grpc-message", "d%C3%A9bit%20d%C3%A9pass%C3%A9%3A%20100%25%0A"},
                        {"err", "operations_rate_limit_exceeded"}};
  const auto r = decode_response(200, headers, "");
  EXPECT_EQ(r.status.code, GrpcCode::resource_exhausted);
  EXPECT_EQ(r.status.message, "d\u00e9bit d\u00e9pass\u00e9: 100%\n");
  EXPECT_EQ(r.status.err, "operations_rate_limit_exceeded");
  // The same status as the trailer frame of a text body (base64 of 0x80, the length, and the
  // lines "grpc-status:8", "grpc-message:d%C3%A9bit%20100%25",
  // "err:operations_rate_limit_exceeded").
  const auto framed =
      decode_response(200, kText,
                      "gAAAAFVncnBjLXN0YXR1czo4DQpncnBjLW1lc3NhZ2U6ZCVDMyVBOWJpdCUyMDEwMCUyNQ0KZXJy"
                      "Om9wZXJhdGlvbnNfcmF0ZV9saW1pdF9leGNlZWRlZA0K");
  EXPECT_EQ(framed.status.code, GrpcCode::resource_exhausted);
  EXPECT_EQ(framed.status.message, "d\u00e9bit 100%");
  EXPECT_EQ(framed.status.err, "operations_rate_limit_exceeded");
}

TEST(MomentoGrpcWeb, ContentTypes) {
  EXPECT_EQ(mode_of_content_type("application/grpc-web"), Mode::binary);
  EXPECT_EQ(mode_of_content_type("Application/GRPC-Web+proto; charset=x"), Mode::binary);
  EXPECT_EQ(mode_of_content_type("application/grpc-web-text"), Mode::text);
  EXPECT_EQ(mode_of_content_type("application/grpc-web-text+proto"), Mode::text);
  EXPECT_FALSE(mode_of_content_type("application/grpc"));
}

TEST(MomentoGrpcStatus, MapsCodesToStreampulseErrors) {
  EXPECT_EQ(to_errc(GrpcCode::ok), errc::ok);
  EXPECT_EQ(to_errc(GrpcCode::unauthenticated), errc::unauthenticated);
  EXPECT_EQ(to_errc(GrpcCode::permission_denied), errc::permission_denied);
  EXPECT_EQ(to_errc(GrpcCode::deadline_exceeded), errc::deadline_exceeded);
  for (auto c : {GrpcCode::unavailable, GrpcCode::internal, GrpcCode::unknown, GrpcCode::cancelled})
    EXPECT_EQ(to_errc(c), errc::unavailable) << code_name(c);
  for (auto c : {GrpcCode::invalid_argument, GrpcCode::failed_precondition})
    EXPECT_EQ(to_errc(c), errc::invalid_argument) << code_name(c);
  EXPECT_EQ(to_errc(GrpcCode::unimplemented), errc::internal);
  EXPECT_EQ(code_name(GrpcCode::failed_precondition), "FAILED_PRECONDITION");
}

TEST(MomentoGrpcStatus, RetriesOnlyIdempotentMethodsOnTransientCodes) {
  EXPECT_TRUE(is_retryable(methods::kDictionaryFetch, GrpcCode::unavailable));
  EXPECT_TRUE(is_retryable(methods::kSortedSetPut, GrpcCode::internal));
  EXPECT_TRUE(is_retryable(methods::kSubscribe, GrpcCode::cancelled));
  EXPECT_FALSE(is_retryable(methods::kDictionaryIncrement, GrpcCode::unavailable));
  EXPECT_FALSE(is_retryable(methods::kPublish, GrpcCode::internal));
  EXPECT_FALSE(is_retryable(methods::kGenerateDisposableToken, GrpcCode::unavailable));
  EXPECT_FALSE(is_retryable(methods::kDictionarySet, GrpcCode::deadline_exceeded));
  EXPECT_FALSE(is_retryable(methods::kDictionarySet, GrpcCode::resource_exhausted));
  EXPECT_FALSE(is_retryable("/cache_client.Scs/Unknown", GrpcCode::unavailable));
}
