#pragma once
// A real streampulse App on a loopback port, run on its own thread, and a small blocking
// HTTP client to talk to it. Tests speak real HTTP over real sockets.
#include "streampulse/app/app.hpp"

#include <boost/beast/http.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace streampulse::testing {

struct HttpResult {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One request on a fresh connection (Connection: close).
HttpResult http_request(unsigned short port, boost::beast::http::verb method,
                        const std::string& target, const std::string& body = {},
                        const std::map<std::string, std::string>& headers = {});

inline HttpResult http_get(unsigned short port, const std::string& target,
                           const std::map<std::string, std::string>& headers = {}) {
  return http_request(port, boost::beast::http::verb::get, target, {}, headers);
}
inline HttpResult http_post(unsigned short port, const std::string& target, const std::string& body,
                            const std::map<std::string, std::string>& headers = {}) {
  return http_request(port, boost::beast::http::verb::post, target, body, headers);
}

// Test defaults: loopback, port 0, a webhook secret and an admin token, quiet logs.
config::Config test_config();

class TestServer {
 public:
  explicit TestServer(config::Config config = test_config());
  ~TestServer();
  unsigned short port() const { return port_; }
  const config::Config& config() const { return config_; }
  void stop();  // graceful stop and join

 private:
  config::Config config_;
  app::App app_;
  unsigned short port_ = 0;
  std::thread thread_;
};

// A webhook event for `heartbeat_json`, published at publish_ms (0: now), unsigned; token_id:
// the publisher's (empty: the operator's own credential).
std::string webhook_event(const std::string& heartbeat_json, std::int64_t publish_ms = 0,
                          const std::string& token_id = {});

// POSTs `heartbeat_json` to /webhook as a fresh event signed with `secret`.
HttpResult send_webhook(unsigned short port, const std::string& heartbeat_json,
                        const std::string& secret = "test-secret",
                        const std::string& token_id = {});

// The viewer token GET /api/player-config hands out.
std::string viewer_token(unsigned short port);

// What GET /api/player-config hands one view: its player id, the topics token, CMCD's token.
struct ViewerConfig {
  std::string player_id, token, report_token;
};
ViewerConfig viewer_config(unsigned short port);

// One keep-alive connection for many requests (floods, long runs), blocking.
class KeepAliveClient {
 public:
  explicit KeepAliveClient(unsigned short port);
  ~KeepAliveClient();
  HttpResult request(boost::beast::http::verb method, const std::string& target,
                     const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streampulse::testing
