#pragma once
// The players' snapshot and journal (persist/snapshot.hpp) over the service's sharded audience:
// a snapshot of every shard, each read on its own loop; a restore that places each player on its
// shard; and the task that takes snapshots while the service runs.
#include "streampulse/persist/snapshot.hpp"
#include "streampulse/service/services.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>

namespace streampulse::service {

// persist::save_snapshot over every shard of the audience, each read on its own loop.
store::awaitable<store::result<persist::SavedSnapshot>> save_snapshot(
    Audience& audience, const core::Clock& clock, persist::Journal& journal,
    boost::asio::any_io_executor io_executor);

// persist::restore_state over every shard: each player placed on its shard, on that shard's loop.
store::awaitable<store::result<persist::RestoreReport>> restore_state(
    Audience& audience, const core::Clock& clock, persist::Journal& journal,
    boost::asio::any_io_executor io_executor);

struct SnapshotPolicy {
  std::chrono::milliseconds check{1000};
  // A snapshot when the journal has grown to the size of the last snapshot (at least
  // min_journal_bytes): restarts read at most about twice the state.
  std::uint64_t min_journal_bytes = 4u << 20;
  // And at least this often while something changed.
  std::chrono::milliseconds max_interval{30'000};
};

// Takes snapshots by `policy` until cancelled.
boost::asio::awaitable<void> run_snapshotter(Services& s, persist::Journal& journal,
                                             boost::asio::any_io_executor io_executor,
                                             SnapshotPolicy policy = {});

}  // namespace streampulse::service
