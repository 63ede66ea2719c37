#pragma once
// The service's background work, each a coroutine that runs until cancelled or the store
// shuts down.
#include "streampulse/service/services.hpp"

namespace streampulse::service {

// Checks the active count every tick and publishes it on the count topic when it changed
// (and at least once a second), so subscribers see changes within a tick.
boost::asio::awaitable<void> run_count_publisher(Services& s);

// Reads heartbeats from the heartbeat topic (where players publish) into the pipeline.
boost::asio::awaitable<void> run_topic_intake(Services& s);

// Announces this instance in the members set every second and decides whether it is the one
// that publishes the viewer count.
boost::asio::awaitable<void> run_election(Services& s);
// At a graceful stop: leaves the set so another instance takes over now, not after the lease.
boost::asio::awaitable<void> withdraw_from_election(Services& s);

// Removes players past the retention, once a second.
boost::asio::awaitable<void> run_pruner(Services& s);

// The live dashboard (s.live): computes the dashboard every 250 ms, samples the active count
// into the history, and publishes to the SSE streams when something changed (at least once a
// second); saves the history every 10 s when it has a file. On cancellation: ends the streams
// and saves the history once more.
boost::asio::awaitable<void> run_dashboard_feed(Services& s);

}  // namespace streampulse::service
