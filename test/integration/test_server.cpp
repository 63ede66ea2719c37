#include "test_server.hpp"

#include "streampulse/core/clock.hpp"
#include "streampulse/core/webhook.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <stdexcept>

namespace streampulse::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;

namespace {

// A response as the tests read it: status, lower-case header names, body.
HttpResult to_result(bh::response<bh::string_body>&& res) {
  HttpResult out;
  out.status = res.result_int();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    out.headers[name] = std::string(f.value());
  }
  out.body = std::move(res.body());
  return out;
}

}  // namespace

HttpResult http_request(unsigned short port, bh::verb method, const std::string& target,
                        const std::string& body,
                        const std::map<std::string, std::string>& headers) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(40));
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.socket().set_option(asio::ip::tcp::no_delay(true));
  bh::request<bh::string_body> req{method, target, 11};
  req.set(bh::field::host, "127.0.0.1:" + std::to_string(port));
  req.keep_alive(false);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == bh::verb::post || method == bh::verb::put) {
    req.body() = body;
    req.prepare_payload();
  }
  bh::write(stream, req);
  beast::flat_buffer buffer;
  bh::response_parser<bh::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (method == bh::verb::head) parser.skip(true);  // the headers announce a body never sent
  bh::read(stream, buffer, parser);
  auto res = parser.release();
  return to_result(std::move(res));
}

config::Config test_config() {
  config::Config c;
  c.listen = "127.0.0.1:0";
  c.threads = 2;  // connections on two threads: every test crosses to the state loop
  c.webhook_secrets = {"test-secret"};
  c.admin_token = "test-admin";
  c.log_level = "warn";
  c.static_dir = std::string(STREAMPULSE_SOURCE_DIR) + "/static";
  c.count_tick_ms = 50;
  c.shutdown_grace_ms = 2000;
  return c;
}

TestServer::TestServer(config::Config config) : config_(config), app_(std::move(config)) {
  std::string message;
  if (auto ec = app_.start(message)) throw std::runtime_error("server did not start: " + message);
  port_ = app_.port();
  thread_ = std::thread([this] { app_.run(false); });
}

TestServer::~TestServer() { stop(); }

void TestServer::stop() {
  if (!thread_.joinable()) return;
  app_.stop();
  thread_.join();
}

std::string webhook_event(const std::string& heartbeat_json, std::int64_t publish_ms,
                          const std::string& token_id) {
  const auto now = publish_ms ? publish_ms : core::SystemClock().now_ms();
  // Each event its own sequence number, as Momento numbers a topic's messages (the service
  // drops a message it has already seen).
  static std::atomic<std::uint64_t> sequence{0};
  boost::json::object event{{"cache", "video"},
                            {"topic", "stream"},
                            {"event_timestamp", now},
                            {"publish_timestamp", now},
                            {"topic_sequence_number", ++sequence},
                            {"token_id", token_id},
                            {"text", heartbeat_json}};
  return boost::json::serialize(event);
}

HttpResult send_webhook(unsigned short port, const std::string& heartbeat_json,
                        const std::string& secret, const std::string& token_id) {
  const auto body = webhook_event(heartbeat_json, 0, token_id);
  return http_post(port, "/webhook", body,
                   {{"momento-signature", core::sign_webhook_body(secret, body)},
                    {"content-type", "application/json"}});
}

std::string viewer_token(unsigned short port) {
  const auto r = http_get(port, "/api/player-config");
  if (r.status != 200) throw std::runtime_error("GET /api/player-config: " + r.body);
  return std::string(boost::json::parse(r.body).at("topics").at("token").as_string());
}

ViewerConfig viewer_config(unsigned short port) {
  const auto r = http_get(port, "/api/player-config");
  if (r.status != 200) throw std::runtime_error("GET /api/player-config: " + r.body);
  const auto doc = boost::json::parse(r.body);
  return {std::string(doc.at("playerId").as_string()),
          std::string(doc.at("topics").at("token").as_string()),
          std::string(doc.at("reportToken").as_string())};
}

struct KeepAliveClient::Impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  unsigned short port = 0;
};

KeepAliveClient::KeepAliveClient(unsigned short port) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  impl_->stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  impl_->stream.socket().set_option(asio::ip::tcp::no_delay(true));
}

KeepAliveClient::~KeepAliveClient() = default;

HttpResult KeepAliveClient::request(bh::verb method, const std::string& target,
                                    const std::string& body,
                                    const std::map<std::string, std::string>& headers) {
  auto& s = *impl_;
  s.stream.expires_after(std::chrono::seconds(40));
  bh::request<bh::string_body> req{method, target, 11};
  req.set(bh::field::host, "127.0.0.1:" + std::to_string(s.port));
  req.keep_alive(true);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  bh::write(s.stream, req);
  bh::response<bh::string_body> res;
  bh::read(s.stream, s.buffer, res);
  return to_result(std::move(res));
}

}  // namespace streampulse::testing
