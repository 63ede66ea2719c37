#pragma once
// The fake's own accept loop and sessions over http::Router. Not http::Server: faults need to
// reset a connection or hold it without answering, which a route handler cannot do there.
#include "state.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace streampulse::testing::fake {

class FakeServer {
 public:
  FakeServer(State& state, const http::Router& router);
  ~FakeServer();

  boost::system::error_code listen(const boost::asio::ip::tcp::endpoint& endpoint);
  unsigned short port() const;
  boost::asio::awaitable<void> run();
  // Stops accepting, closes every connection and wakes every wait (latency sleeps, hangs).
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace streampulse::testing::fake
