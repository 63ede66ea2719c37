#include "streampulse/http/router.hpp"

namespace streampulse::http {

void Router::add(beast_http::verb method, std::string path, Handler handler, std::size_t body_limit,
                 Guard guard, Affinity affinity) {
  routes_.push_back(
      {method, std::move(path), false, std::move(handler), body_limit, std::move(guard), affinity});
}

void Router::add_prefix(beast_http::verb method, std::string prefix, Handler handler,
                        std::size_t body_limit, Guard guard, Affinity affinity) {
  routes_.push_back({method, std::move(prefix), true, std::move(handler), body_limit,
                     std::move(guard), affinity});
}

std::optional<Router::Match> Router::match(beast_http::verb method, std::string_view path) const {
  std::optional<Match> found;
  for (const auto& r : routes_) {
    const bool hit = r.prefix ? path.starts_with(r.path) : path == r.path;
    if (!hit) continue;
    if (!found) found.emplace();
    if (r.method == method && !found->handler) {
      found->handler = &r.handler;
      found->body_limit = r.body_limit;
      found->affinity = r.affinity;
      if (r.guard) found->guard = &r.guard;
      if (r.prefix) found->rest = path.substr(r.path.size());
    }
    if (!found->allow.empty()) found->allow += ", ";
    found->allow += std::string(beast_http::to_string(r.method));
  }
  return found;
}

}  // namespace streampulse::http
