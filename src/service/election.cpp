// run_election and withdraw_from_election (background.hpp): which instance holds the
// viewer-count duty, by a lease on the backend or by the members set.
#include "streampulse/service/background.hpp"

#include "background_support.hpp"
#include "streampulse/core/publisher_election.hpp"

#include <spdlog/spdlog.h>

namespace streampulse::service {

namespace asio = boost::asio;
using detail::sleep_for;
using std::chrono::milliseconds;

asio::awaitable<void> run_election(Services& s) {
  if (s.duty.hold_lease) {
    // A lease that expires on the backend's clock: renewed twice within its life, so a holder
    // that dies is replaced within about the lease (plus one try).
    constexpr milliseconds kLease{2500}, kTry{500};
    do {
      auto held = co_await s.duty.hold_lease(kLease);
      // Unsure (no answer, or too late to trust): step down at once.
      const bool publisher = held && *held;
      if (publisher != s.duty.count_publisher)
        spdlog::info("instance {} {} the viewer-count duty", s.duty.instance_id,
                     publisher ? "takes" : "leaves");
      s.duty.count_publisher = publisher;
    } while (co_await sleep_for(kTry));
    s.duty.count_publisher = false;
    co_return;
  }
  const core::ElectionSettings settings;
  const store::CollectionTtl ttl{milliseconds(60'000), true};
  do {
    const auto now = s.clock.now_ms();
    std::vector<store::ScoredMember> self(
        1, store::ScoredMember{s.duty.instance_id, static_cast<double>(now)});
    auto announced = co_await s.store.sorted_set_put(settings.members_set, std::move(self), ttl);
    const store::ScoreRange live{static_cast<double>(now - settings.lease_ms), std::nullopt};
    auto members = co_await s.store.sorted_set_fetch_by_score(settings.members_set, live, 64);
    bool publisher = false;
    if (announced && members) {
      publisher = core::is_count_publisher(s.duty.instance_id, *members, now, settings.lease_ms);
    }
    // Unsure (the backend did not answer): step down; a count not published beats two
    // instances fighting over the topic, and nothing can be published then anyway.
    if (publisher != s.duty.count_publisher)
      spdlog::info("instance {} {} the viewer-count duty", s.duty.instance_id,
                   publisher ? "takes" : "leaves");
    s.duty.count_publisher = publisher;
  } while (co_await sleep_for(milliseconds(1000)));
  s.duty.count_publisher = false;
}

asio::awaitable<void> withdraw_from_election(Services& s) {
  if (s.duty.release_lease) {
    auto released = co_await s.duty.release_lease();
    if (released.has_error())
      spdlog::warn("giving up the count duty's lease failed: {}", released.error().message());
    co_return;
  }
  // Named, not a temporary's member: GCC 12 destroys braced temporaries in a co_await twice.
  const core::ElectionSettings settings;
  std::vector<std::string> self(1, s.duty.instance_id);
  auto removed = co_await s.store.sorted_set_remove(settings.members_set, std::move(self));
  if (removed.has_error())
    spdlog::warn("leaving the instances set failed: {}", removed.error().message());
}

}  // namespace streampulse::service
