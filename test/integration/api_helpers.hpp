#pragma once
// Helpers the stream, dashboard and quality API tests share: polling, streams, heartbeats, SSE.
#include "poll_until.hpp"
#include "test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace streampulse::testing::api_helpers {

// Polls `condition` every 20 ms until it holds or `within` passes (reliability_support.hpp has
// one with a shorter default, for the fault tests).
template <typename F>
bool eventually(F condition, std::chrono::milliseconds within = std::chrono::seconds(10)) {
  return poll_until(std::move(condition), within);
}

// The operator's headers for a JSON body (the test server's admin token).
extern const std::map<std::string, std::string> kAdmin;

// PUT /api/streams/<id> as the operator, with a name and a media URL.
HttpResult put_stream(unsigned short port, const std::string& id);

// put_stream, asserting 201 (created).
void add_stream(unsigned short port, const std::string& id);

// A heartbeat's body for `player`, naming `stream` when not empty.
std::string hb(const std::string& player, const std::string& stream = {});

// The `error` member of a JSON error answer.
std::string error_code(const HttpResult& r);

// A raw Server-Sent Events client of `target`: reads the stream as it arrives, with deadlines.
class SseClient {
 public:
  explicit SseClient(unsigned short port, const std::string& target = "/api/dashboard/stream");
  // Reads until `pred(text so far)` (or `pred()`) holds or the timeout; returns whether it held.
  bool read_until(const std::function<bool(const std::string&)>& pred,
                  std::chrono::milliseconds timeout);
  bool read_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  // The data of the last complete "dashboard" event.
  std::optional<boost::json::value> last_event() const;
  // Reads until the last event's players are `want` ({"active":..,"total":..}).
  bool reads_players(const boost::json::value& want,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
  const std::string& text() const { return text_; }
  bool closed() const { return closed_; }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::string text_;
  bool closed_ = false;
};

}  // namespace streampulse::testing::api_helpers
