// The service's life once started: serve() (the restore, then the server and the background
// tasks), the signals, and the graceful stop (begin_stop, drain) that ends App::run().
#include "app_impl.hpp"

#include "streampulse/persist/journaled_store.hpp"
#include "streampulse/persist/snapshot.hpp"
#include "streampulse/service/snapshotter.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <csignal>

namespace streampulse::app {

// The layers this file wires together (DEVELOPERS.md, "Layers").
using namespace streampulse::persist;
using namespace streampulse::service;

void App::Impl::begin_stop() {
  if (stopping) return;
  stopping = true;
  spdlog::info("stopping: no new connections, finishing requests in flight");
  server->stop_accepting();
  store->shutdown();  // long-polls answer now
  // Background tasks end at their next wait (the dashboard feed's end ends the live streams
  // too); idle connections close now, busy ones after their response.
  tasks.stop(async::Stop::graceful);
  for (auto& w : simulations) {
    if (auto sim = w.lock()) sim->stop();
  }
  asio::co_spawn(ioc, drain(), asio::detached);
}

// Waits for the group (connections and background tasks) to empty, up to the grace period (a
// second signal cuts it short), then stops what is left at once; then the last words to the
// backend and the final snapshot, and the journal's flusher last of all.
asio::awaitable<void> App::Impl::drain() {
  using std::chrono::steady_clock;
  const auto grace = std::chrono::milliseconds(config.shutdown_grace_ms);
  if (!co_await tasks.wait(steady_clock::now() + grace)) {
    spdlog::warn("grace period over: stopping {} connections and tasks at once ({} connections)",
                 tasks.size(), server->sessions());
    tasks.stop(async::Stop::now);
    // Closed sockets end their sessions at once, each on its own thread: wait for that, so
    // no session is left to hop to this loop after it has stopped.
    if (!co_await tasks.wait(steady_clock::now() + std::chrono::seconds(2)))
      spdlog::warn("{} connections and tasks still running 2 s after the stop", tasks.size());
  }
  if (serving && services->duty.elect) co_await withdraw_from_election(*services);
  if (redis) redis->close();  // its connections' coroutines end: the loop can run out
  // Not before the restore is done: a snapshot of half the players would replace the whole.
  if (journal && serving) {
    try {
      auto saved = co_await save_snapshot(*audience, clock, *journal, file_pool.get_executor());
      if (saved) spdlog::info("saved {} players to {}", saved->players, journal->dir().string());
      co_await journal->flush();  // anything recorded after the snapshot began
    } catch (const std::exception& e) {
      spdlog::error("the last snapshot failed: {}", e.what());
    }
  }
  journaling.stop(async::Stop::now);
  boost::system::error_code ignored;
  signals.cancel(ignored);  // the wait for a second signal: nothing is left to cut short
}

// Before serving, in order, on the state loop: Redis checked and the shared token key read, the
// stream catalog restored (a page asking for a kept stream finds it from the start, and the
// players are restored under their streams), the journal replayed (nobody sees a half-loaded
// dashboard; journaling starts before any heartbeat can arrive), the players other instances
// wrote loaded. Then the server accepts and the background tasks start. It runs in the task
// group: a stop on the way (a signal while Redis is unreachable) cancels the phase in flight,
// and nothing is served.
asio::awaitable<void> App::Impl::serve() {
  if (redis) co_await prepare_redis();
  if (stopping) co_return;
  if (stream_keeper) {
    try {
      const std::size_t loaded = co_await restore_streams(streams, *stream_keeper);
      spdlog::info("streams: {} kept, {} in the catalog", loaded, streams.size());
    } catch (const std::exception& e) {
      spdlog::error("restoring the stream catalog failed: {}", e.what());
    }
  }
  if (stopping) co_return;
  if (journal) {
    auto restored = co_await restore_state(*audience, clock, *journal, file_pool.get_executor());
    if (!restored) {
      spdlog::error("restoring {} failed", journal->dir().string());
    } else {
      spdlog::info("restored {} players from {} ({} journal records, {} damaged files)",
                   restored->players, journal->dir().string(), restored->journal_records,
                   restored->damaged_files);
    }
    for (std::size_t i = 0; i < audience->size(); ++i)
      audience->shard(i).journaled->attach(journal.get());
  }
  if (config.backend != config::Backend::embedded) {
    // Players written before this instance started (a restart, or other instances) are on the
    // dashboard from the first request. Failure is not fatal: heartbeats refill the index.
    auto& shard = audience->shard(0);
    auto loaded = co_await shard.registry->load(audience->activity_restorer(shard));
    if (!loaded) {
      spdlog::warn("loading the players failed ({}); starting empty", loaded.error().message());
    } else {
      spdlog::info("loaded {} players from the backend", *loaded);
    }
  }
  if (stopping) co_return;
  serving = true;
  spdlog::info("streampulse {} listening on {} (backend {}, cache {}, {} threads)",
               STREAMPULSE_VERSION,
               server->local_endpoint().address().to_string() + ":" +
                   std::to_string(server->local_endpoint().port()),
               config::to_string(config.backend), config.cache, connection_loops->size() + 1);
  start_tasks();
}

void App::Impl::start_tasks() {
  Services& s = *services;
  if (journal) {
    journaling.spawn(journal->run_flusher(), "journal");
    tasks.spawn(run_snapshotter(s, *journal, file_pool.get_executor()), "snapshots");
  }
  tasks.spawn(server->run(), "server");
  tasks.spawn(run_count_publisher(s), "count publisher");
  // On the embedded backend the player's publish records its heartbeat itself (api/topics.cpp):
  // the topic is in this process, so the subscription is a direct call on the player's shard.
  if (config.heartbeat_intake != config::HeartbeatIntake::webhook &&
      config.backend != config::Backend::embedded)
    tasks.spawn(run_topic_intake(s), "topic intake");
  if (s.duty.elect) tasks.spawn(run_election(s), "election");
  if (redis && config.token_secrets.empty()) tasks.spawn(keep_token_key(), "token key");
  tasks.spawn(run_pruner(s), "pruner");
  tasks.spawn(run_dashboard_feed(s), "dashboard feed");
}

// The first signal stops gracefully; a second one (Ctrl-C again) cuts the grace short: open
// connections are closed at once, the final snapshot is still written. Armed before serving,
// so a signal while the service still waits for its backend stops it too.
void App::Impl::watch_signals() {
  signals.add(SIGINT);
  signals.add(SIGTERM);
  signals.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("received signal {}: stopping (again to stop at once)", sig);
    // Armed before begin_stop: its drain may finish at once and cancel the signal set.
    signals.async_wait([this](boost::system::error_code ec2, int sig2) {
      if (ec2) return;
      spdlog::warn("received signal {} again: closing every connection now", sig2);
      tasks.stop(async::Stop::now);  // connections close: the drain's wait ends with them
    });
    begin_stop();
  });
}

int App::run(bool handle_signals) {
  auto& m = *impl_;
  // The shards' loops run from here on: the restore and the load hop to them.
  m.connection_loops->start();
  // Its connections and mirror run until close() (in drain).
  if (m.redis) m.redis->start();
  if (handle_signals) m.watch_signals();
  // In the group: a stop while it still waits (for Redis, say) cancels that wait.
  m.tasks.spawn(m.serve(), "starting", [&m] { m.begin_stop(); });
  // One run, no stop(): it returns when every coroutine has finished, which only a stop (and
  // its drain) brings about, so nothing is left half-done.
  m.ioc.run();
  m.connection_loops->stop_and_join();  // every session has ended: drain waits for them
  m.file_pool.join();
  if (!m.stopping) {
    spdlog::error("the state loop ran out of work without being stopped");
    spdlog::default_logger()->flush();
    return 1;
  }
  spdlog::info("stopped");
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace streampulse::app
