#pragma once
// Keeps the embedded backend's players across restarts: a snapshot of the sorted set
// `activePlayers` and the dictionary `analytics` in STREAMPULSE_DATA_DIR, written every few
// seconds when something changed and once more on a graceful stop, and read back at start.
// A crash loses at most the last interval. Snapshots go through the store port, so they hold
// exactly what the original demo's collections held.
#include "streampulse/app/services.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <filesystem>

namespace streampulse::app {

// Writes the snapshot file (atomically: a temporary file renamed over the old one). The file is
// written on `io_executor`, a pool meant for blocking I/O, never on the service's own thread.
boost::asio::awaitable<store::result<std::size_t>> save_snapshot(
    Services& s, const std::filesystem::path& file, boost::asio::any_io_executor io_executor);

// Puts the players of the snapshot back into the store and the registry's index. A missing
// file is an empty start; a damaged one is reported and ignored.
boost::asio::awaitable<store::result<std::size_t>> restore_snapshot(
    Services& s, const std::filesystem::path& file, boost::asio::any_io_executor io_executor);

// Saves every `period` while heartbeats arrive; returns when cancelled.
boost::asio::awaitable<void> run_snapshotter(Services& s, std::filesystem::path file,
                                             boost::asio::any_io_executor io_executor,
                                             std::chrono::milliseconds period);

}  // namespace streampulse::app
