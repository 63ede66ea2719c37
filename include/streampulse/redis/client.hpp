#pragma once
// A Redis (or Valkey) client on Boost.Asio coroutines: one connection to one server, commands
// pipelined, a deadline per call, reconnection with backoff, a bounded queue. RESP2 replies are
// parsed by hiredis's reader (hiredis/read.h); the I/O, TLS and timing are Asio's.
//
// Transports: TCP (redis://), TLS over TCP (rediss://: the certificate verified against the
// host, SNI for names) and Unix sockets (unix://). On every (re)connect the client sends AUTH
// (when the URL has a password) and SELECT (when it names a database other than 0).
//
// Thread-safety: a Connection lives on the executor it was made with. exec() may be called from
// any thread: it hops to that executor and resumes the caller on its own.
//
// Retries: exec() never resends a command on its own. A failure says whether the command may
// have run (see CallError): the caller retries only what is safe (docs/redis.md).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::redis {

// One RESP2 reply.
struct Reply {
  enum class Type { string, status, error, integer, nil, array };
  Type type = Type::nil;
  std::string str;  // string, status and error replies
  std::int64_t integer = 0;
  std::vector<Reply> elements;  // array replies

  bool is_error() const { return type == Type::error; }
  bool is_nil() const { return type == Type::nil; }
  // The error's first word ("NOSCRIPT", "MOVED", "OOM"...); empty when not an error.
  std::string_view error_kind() const;
};

// Where the server is, parsed from STREAMPULSE_REDIS_URL:
//   redis://[[user]:password@]host[:port][/db]   (port 6379, db 0 when absent)
//   rediss://...                                 (TLS)
//   unix:///path/to/socket[?db=N]                (user and password as for redis://)
//   redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/<primary name>[/db]
//       [?sentinel_password=...]                 (Sentinels, port 26379 when absent)
// Hosts may be names, IPv4 or [IPv6]. User, password, the primary's name and the Sentinels'
// password are percent-decoded. With Sentinel, user, password and db are the data nodes'.
struct Url {
  enum class Kind { tcp, tls, unix_socket, sentinel };
  struct HostPort {
    std::string host;
    std::uint16_t port = 0;
    friend bool operator==(const HostPort&, const HostPort&) = default;
    std::string text() const;  // host:port, [IPv6]:port
  };
  Kind kind = Kind::tcp;
  std::string host;  // tcp, tls
  std::uint16_t port = 6379;
  std::string path;  // unix_socket
  std::string user;
  std::string password;
  int db = 0;
  std::vector<HostPort> sentinels;  // sentinel: asked in this order
  std::string master_name;          // sentinel: the name the Sentinels monitor the primary by
  std::string sentinel_password;    // sentinel: AUTH to the Sentinels (none when empty)

  static boost::system::result<Url> parse(std::string_view text);
  // The URL without its password, for logs.
  std::string redacted() const;
};

struct Options {
  Url url;
  std::chrono::milliseconds connect_timeout{2000};  // resolve + connect + TLS + handshake
  // Commands queued or awaiting their replies, and their encoded bytes: past either, exec()
  // fails at once with errc::resource_exhausted.
  std::size_t max_pending = 50'000;
  std::size_t max_pending_bytes = 64 * 1024 * 1024;
  // Reconnection backoff: doubles from min to max, with jitter.
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2000};
  // redis+sentinel://: the budget of one Sentinel (connect, AUTH, the question) before the
  // next is tried, and how often a connected client asks again where the primary is (a
  // primary demoted by SENTINEL FAILOVER keeps its clients until Sentinel reconfigures it).
  std::chrono::milliseconds sentinel_timeout{500};
  std::chrono::milliseconds sentinel_check_interval{1000};
  std::string client_name;    // CLIENT SETNAME, best effort (ignored when refused)
  std::string extra_ca_file;  // rediss://: a PEM file trusted beside the system store (tests)
};

using Command = std::vector<std::string>;  // the arguments, command name first

// Why a call failed, and whether its commands may have run on the server.
struct CallError {
  boost::system::error_code code;  // errc::unavailable, deadline_exceeded, resource_exhausted
  bool maybe_executed = false;     // written before the failure: the outcome is unknown
};

struct ConnectionFigures {
  bool connected = false;
  std::uint64_t reconnects = 0;    // connections made after the first
  std::uint64_t refused_full = 0;  // calls refused for a full queue
  std::size_t pending = 0;         // commands queued or in flight now
};

class Connection {
 public:
  Connection(boost::asio::any_io_executor ex, Options options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts connecting (and reconnecting whenever the connection drops) until stop().
  void start();
  // Closes the connection; calls in flight and later calls fail with errc::unavailable.
  void stop();

  // Sends `commands` in one write, pipelined with whatever else is queued, and returns their
  // replies in order. A Redis error reply is a Reply of Type::error, not a failure. While the
  // connection is down the call waits for it until its deadline. A call whose deadline passes
  // after its commands were written fails with maybe_executed = true; their late replies are
  // read and dropped, so the connection stays usable. Never throws.
  boost::asio::awaitable<boost::system::result<std::vector<Reply>, CallError>> exec(
      std::vector<Command> commands, std::chrono::milliseconds deadline);

  ConnectionFigures figures() const;  // any thread

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace streampulse::redis
