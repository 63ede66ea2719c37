// Helpers of the HTTP API tests: stream creation, heartbeat bodies, error codes, the SSE client.
#include "api_helpers.hpp"

#include <gtest/gtest.h>
#include <boost/asio/write.hpp>

#include <array>

namespace streampulse::testing::api_helpers {

namespace json = boost::json;
namespace asio = boost::asio;
namespace bh = boost::beast::http;

const std::map<std::string, std::string> kAdmin{{"authorization", "Bearer test-admin"},
                                                {"content-type", "application/json"}};

HttpResult put_stream(unsigned short port, const std::string& id) {
  const auto body = json::serialize(
      json::object{{"name", "Stream " + id}, {"url", "/media/" + id + "/master.m3u8"}});
  return http_request(port, bh::verb::put, "/api/streams/" + id, body, kAdmin);
}

void add_stream(unsigned short port, const std::string& id) {
  const auto r = put_stream(port, id);
  ASSERT_EQ(r.status, 201u) << r.body;
}

std::string hb(const std::string& player, const std::string& stream) {
  std::string out = R"({"playerId":")" + player + R"(","bitrate":1000,"playTime":5)";
  if (!stream.empty()) out += R"(,"streamId":")" + stream + '"';
  return out + "}";
}

std::string error_code(const HttpResult& r) {
  return std::string(json::parse(r.body).at("error").as_string());
}

SseClient::SseClient(unsigned short port, const std::string& target) : socket_(ioc_) {
  socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  const std::string req =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  asio::write(socket_, asio::buffer(req));
}

bool SseClient::read_until(const std::function<bool(const std::string&)>& pred,
                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred(text_)) {
    if (closed_ || std::chrono::steady_clock::now() >= deadline) return false;
    bool done = false;
    std::array<char, 8192> chunk;
    socket_.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
      done = true;
      if (ec) closed_ = true;
      text_.append(chunk.data(), n);
    });
    ioc_.restart();
    ioc_.run_for(deadline - std::chrono::steady_clock::now());
    if (!done) {
      socket_.cancel();
      ioc_.restart();
      ioc_.run();
      return pred(text_);
    }
  }
  return true;
}

bool SseClient::read_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  return read_until([&](const std::string&) { return pred(); }, timeout);
}

std::optional<json::value> SseClient::last_event() const {
  const auto end = text_.rfind("\n\n");
  if (end == std::string::npos) return std::nullopt;
  const auto start = text_.rfind("data: ", end);
  if (start == std::string::npos) return std::nullopt;
  return json::parse(text_.substr(start + 6, end - start - 6));
}

bool SseClient::reads_players(const json::value& want, std::chrono::milliseconds timeout) {
  return read_until(
      [&] {
        auto e = last_event();
        return e && e->at("players") == want;
      },
      timeout);
}

}  // namespace streampulse::testing::api_helpers
