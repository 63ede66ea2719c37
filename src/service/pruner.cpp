// run_pruner (background.hpp): removes the players not seen within the retention, once a
// second.
#include "streampulse/service/background.hpp"

#include "background_support.hpp"

#include <spdlog/spdlog.h>

namespace streampulse::service {

namespace asio = boost::asio;
using detail::FailureLog;
using detail::sleep_for;
using std::chrono::milliseconds;

asio::awaitable<void> run_pruner(Services& s) {
  FailureLog failures("pruning players");  // the backend down: once, not every second
  while (co_await sleep_for(milliseconds(1000))) {
    auto removed = co_await s.audience.prune();
    if (removed.has_error()) {
      failures.failed(removed.error());
      continue;
    }
    failures.succeeded();
    if (*removed > 0) {
      s.stats.players_pruned += *removed;
      spdlog::info("removed {} players not seen within the retention", *removed);
    }
  }
}

}  // namespace streampulse::service
