#pragma once
// A viewer's keep-alive connection and one request/answer on it. Requests are preformatted
// bytes (no message objects to build per heartbeat); the answer is read with Beast's parser
// into a buffer kept with the connection. Deadlines are not a timer per connection: the
// audience sweeps in-flight deadlines every 100 ms and closes what is late (`timed_out`).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace streampulse::sim {

struct Target;

struct Endpoint {
  boost::asio::ip::tcp::endpoint address;
  std::string host_header;  // "host:port"
};

// host:port -> resolved endpoint; resolves (blocking, once per name) on first use.
class Endpoints {
 public:
  explicit Endpoints(boost::asio::any_io_executor ex) : ex_(ex) {}
  // nullptr when the name does not resolve (why says so).
  const Endpoint* find(const Target& target, std::string& why);

 private:
  boost::asio::any_io_executor ex_;
  std::map<std::string, std::unique_ptr<Endpoint>> known_;
};

std::int64_t steady_ms();  // monotonic milliseconds

struct Conn {
  explicit Conn(boost::asio::any_io_executor ex) : socket(ex) {}
  boost::asio::ip::tcp::socket socket;
  boost::beast::flat_buffer buffer;
  const Endpoint* endpoint = nullptr;  // connected to
  // Where to connect from when the endpoint is loopback (AudienceOptions::own_addresses);
  // unspecified: the system's choice.
  boost::asio::ip::address source;
  std::int64_t deadline_ms = 0;  // an exchange in flight must end by then; 0: idle
  bool timed_out = false;
  void close();
  // Called by the sweeper: closes the connection when its exchange is late.
  void check_deadline(std::int64_t now_ms);
};

struct Answer {
  unsigned status = 0;  // 0: no answer (reason says why)
  std::string reason;   // "timeout", "Connection refused", ...
  bool connection_refused = false;
  std::optional<std::int64_t> retry_after_ms;
  std::string body;
};

// Sends `request` on `conn` (connecting to `endpoint` first when needed) and reads one answer.
// A reused connection that the server had closed is replaced once. Never throws.
boost::asio::awaitable<void> exchange(Conn& conn, const Endpoint& endpoint,
                                      const std::string& request, std::int64_t timeout_ms,
                                      Answer& out);

}  // namespace streampulse::sim
