#pragma once
// One connection's request loop (private to http/); it joins the service's task group while it
// runs, so a stop reaches it.
#include "streampulse/async/task_group.hpp"
#include "streampulse/http/router.hpp"
#include "streampulse/http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>

namespace streampulse::http {

// Where a session runs and where the state is: handlers of Affinity::state run on `state`,
// by a hop unless the session runs there too.
struct SessionPlace {
  boost::asio::any_io_executor state;
  bool on_state = true;
};

// `keepalive` holds the server state for as long as the session runs.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket,
                                         const ServerSettings& settings, const Router& router,
                                         async::TaskGroup& group, SessionPlace place,
                                         std::shared_ptr<void> keepalive);

}  // namespace streampulse::http
