#pragma once
// The routing table: exact paths and path prefixes, each with one handler per method.
// A path that matches no route is a 404; a path that matches with another method is a 405.
#include "streampulse/http/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace streampulse::http {

// Checked on the request's headers before its body is read: an answer refuses the request
// without reading the body (so a large upload costs nothing until its sender is known).
using Guard = std::function<std::optional<Response>(const Request::header_type&)>;

// Where a route's handler runs. The service's state (registry, topics, stores) belongs to one
// thread, the state loop; connections are spread over several threads. A `state` handler is
// run on the state loop (the session hops there and back), an `any` handler on the
// connection's own thread: it must be thread-safe and touch no state-loop object, or hop
// there itself (the webhook checks signatures where it runs, then records on the loop).
enum class Affinity { state, any };

class Router {
 public:
  // body_limit: the largest request body the route accepts (0: the server's default).
  void add(beast_http::verb method, std::string path, Handler handler, std::size_t body_limit = 0,
           Guard guard = {}, Affinity affinity = Affinity::state);
  // Matches every path that starts with `prefix` (which should end in '/'); the handler finds
  // the remainder in RequestContext::rest.
  void add_prefix(beast_http::verb method, std::string prefix, Handler handler,
                  std::size_t body_limit = 0, Guard guard = {},
                  Affinity affinity = Affinity::state);

  struct Match {
    const Handler* handler = nullptr;  // null when the path matched but not the method
    std::string_view rest;
    std::size_t body_limit = 0;
    const Guard* guard = nullptr;  // null: no check before the body
    std::string allow;             // methods allowed on the path, for 405 answers
    Affinity affinity = Affinity::state;
  };
  // nullopt: no route for the path at all.
  std::optional<Match> match(beast_http::verb method, std::string_view path) const;

 private:
  struct Route {
    beast_http::verb method;
    std::string path;
    bool prefix;
    Handler handler;
    std::size_t body_limit;
    Guard guard;
    Affinity affinity;
  };
  std::vector<Route> routes_;
};

}  // namespace streampulse::http
