#pragma once
// One connection's request loop (private to http/).
#include "streampulse/http/router.hpp"
#include "streampulse/http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>
#include <unordered_map>

namespace streampulse::http {

// Live sessions of one thread, so a stop can close the idle ones. Touched only on that
// thread: close_idle and close_all are posted there.
class SessionRegistry {
 public:
  struct Entry {
    boost::beast::tcp_stream* stream;
    bool idle;  // waiting for (the rest of) a request header
  };
  void add(void* key, Entry e) { sessions_.emplace(key, e); }
  void remove(void* key) { sessions_.erase(key); }
  void set_idle(void* key, bool idle);
  // Marks the registry closing: idle sessions are closed now, busy ones after their response.
  void close_idle();
  // Closes every connection, busy or not: the last resort when the grace period is over.
  void close_all();
  bool closing() const { return closing_; }
  std::size_t size() const { return sessions_.size(); }

 private:
  std::unordered_map<void*, Entry> sessions_;
  bool closing_ = false;
};

// Where a session runs and where the state is: handlers of Affinity::state run on `state`,
// by a hop unless the session runs there too.
struct SessionPlace {
  boost::asio::any_io_executor state;
  bool on_state = true;
};

// `keepalive` holds the server state for as long as the session runs.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket,
                                         const ServerSettings& settings, const Router& router,
                                         SessionRegistry& registry, SessionPlace place,
                                         std::shared_ptr<void> keepalive);

}  // namespace streampulse::http
