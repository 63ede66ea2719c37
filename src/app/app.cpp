#include "streampulse/app/app.hpp"

#include "streampulse/api/handlers.hpp"
#include "streampulse/app/capacity.hpp"
#include "streampulse/app/connection_loops.hpp"
#include "streampulse/app/from_config.hpp"
#include "streampulse/app/guards.hpp"
#include "streampulse/app/logging.hpp"
#include "streampulse/app/paths.hpp"
#include "streampulse/core/publisher_election.hpp"
#include "streampulse/core/token_authority.hpp"
#include "streampulse/embedded/embedded_store.hpp"
#include "streampulse/http/server.hpp"
#include "streampulse/media/media_store.hpp"
#include "streampulse/momento/momento_store.hpp"
#include "streampulse/persist/history_store.hpp"
#include "streampulse/persist/journaled_store.hpp"
#include "streampulse/persist/snapshot.hpp"
#include "streampulse/persist/stream_keeper.hpp"
#include "streampulse/service/audience.hpp"
#include "streampulse/service/background.hpp"
#include "streampulse/service/live_dashboard.hpp"
#include "streampulse/service/memory_limit.hpp"
#include "streampulse/service/snapshotter.hpp"
#include "streampulse/sim/simulator.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <thread>

namespace streampulse::app {

namespace asio = boost::asio;
using asio::ip::tcp;
// The layers this file wires together (DEVELOPERS.md, "Layers").
using namespace streampulse::persist;
using namespace streampulse::service;

struct App::Impl {
  explicit Impl(Config c) : config(std::move(c)) {}

  Config config;
  CapacityReport capacity = apply_capacity(config);  // caps left at 0 sized, before their users
  // Connection threads besides the state loop. Declared before `ioc`, so they are destroyed
  // after it (see run()).
  std::unique_ptr<ConnectionLoops> connection_loops;
  // The state loop: the store, registry, topics, background tasks and the accept loop.
  asio::io_context ioc{1};
  core::SystemClock clock;
  Stats stats;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::TokenVendor> token_vendor;  // Momento's token service
  std::unique_ptr<store::ObjectStore> media_origin;  // Momento's cache scalars
  redis::RedisStore* redis = nullptr;  // `store` on the Redis backend (its objects too)
  std::unique_ptr<core::TokenAuthority> token_authority;
  std::unique_ptr<core::TokenAuthority> report_authority;  // CMCD's tokens on Momento
  std::unique_ptr<media::MediaStore> media_store;
  std::unique_ptr<core::WebhookVerifier> webhook_verifier;
  std::unique_ptr<Audience> audience;  // the players, sharded over the loops
  // The catalog of streams; its default from the configuration (checked by parse_serve_config).
  core::StreamCatalog streams{{config.stream_id, config.stream_name, config.stream_url}};
  std::unique_ptr<Services> services;
  http::Router router;
  std::unique_ptr<http::Server> server;
  asio::signal_set signals{ioc};
  std::array<asio::cancellation_signal, 6> task_cancel;
  asio::thread_pool file_pool{1};  // blocking file I/O (snapshots, journal), off the loop's thread
  std::unique_ptr<StreamKeeper> stream_keeper;  // null: the catalog lives in memory only
  // With STREAMPULSE_DATA_DIR (embedded backend): the journal (each shard's store feeds it).
  std::unique_ptr<Journal> journal;
  asio::cancellation_signal journal_cancel;  // the flusher stops last, after the final snapshot
  std::vector<std::weak_ptr<sim::Simulator>> simulations;  // POST /api/simulations
  LiveDashboard live;  // history, SSE fan-out (run_dashboard_feed)
  // Per-client slots; each table holds at most as many clients as the global bound has places.
  core::ClientSlots long_poll_slots{config.max_long_polls_per_client, config.max_long_polls};
  core::ClientSlots stream_slots{config.max_dashboard_streams_per_client,
                                 live.feed.max_subscribers()};
  asio::cancellation_signal live_cancel;  // stops run_dashboard_feed, which ends the streams
  const std::string instance_id = core::make_instance_id();  // among instances sharing a backend
  bool stopping = false;
  bool serving = false;  // the restore and load are done; the server accepts
  bool forced = false;   // a second signal: no grace for the connections still open

  bool start_simulation(std::size_t players, std::chrono::seconds duration);
  void make_audience(const std::vector<asio::any_io_executor>& loops, bool remote);

  void begin_stop();
  asio::awaitable<void> drain();
  asio::awaitable<void> prepare_redis();
  asio::awaitable<void> keep_token_key();
  asio::awaitable<void> serve();
  void start_tasks();
  void watch_signals();
};

App::App(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
App::~App() = default;

boost::system::error_code App::start(std::string& message) {
  auto& m = *impl_;
  const Config& c = m.config;
  setup_logging(c.log_level, c.log_format);
  log_capacity(m.capacity);

  const bool on_momento = c.backend == "momento";
  const bool on_redis = c.backend == "redis";
  // The players' collections live elsewhere, shared with other instances.
  const bool remote = on_momento || on_redis;
  if (remote && !c.data_dir.empty())
    spdlog::warn("--data-dir is ignored on the {} backend: the state lives there", c.backend);
  if (!remote && !c.data_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(c.data_dir, ec);
    if (ec) {
      message = "cannot create --data-dir " + c.data_dir + ": " + ec.message();
      return boost::system::errc::make_error_code(boost::system::errc::io_error);
    }
    m.journal = std::make_unique<Journal>(c.data_dir, m.file_pool.get_executor());
  }
  embedded::Limits limits;
  limits.max_waiting_polls = c.max_long_polls;
  const unsigned threads =
      c.threads > 0 ? c.threads : std::max(1u, std::thread::hardware_concurrency());
  m.connection_loops = std::make_unique<ConnectionLoops>(threads - 1);
  std::vector<asio::any_io_executor> loops{m.ioc.get_executor()};
  for (const auto& ex : m.connection_loops->executors()) loops.push_back(ex);
  if (on_momento) {
    auto momento = make_momento_store(m.ioc.get_executor(), c, message);
    if (!momento)
      return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
    m.token_vendor = std::make_unique<momento::MomentoTokenVendor>(*momento);
    m.media_origin = std::make_unique<momento::MomentoObjects>(*momento);
    m.store = std::move(momento);
  } else if (on_redis) {
    // Its connections on a connection loop when there is one: the encoding, parsing and socket
    // work of every Redis call off the state loop, which keeps the players' bookkeeping.
    auto redis = make_redis_store(loops.size() > 1 ? loops[1] : m.ioc.get_executor(), m.clock, c,
                                  m.instance_id, message);
    if (!redis) return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
    m.redis = redis.get();
    m.store = std::move(redis);
    // Players publish and subscribe through any instance's topics API: every instance must
    // accept every instance's tokens, so they share one key (the configured one, or, read
    // before serving, the one kept in Redis).
    m.token_authority = std::make_unique<core::TokenAuthority>(m.clock, c.cache);
  } else {
    // The topics, shared by every loop; the players' collections are the shards' own.
    m.store = std::make_unique<embedded::EmbeddedStore>(m.ioc.get_executor(), m.clock, limits);
    m.token_authority = std::make_unique<core::TokenAuthority>(m.clock, c.cache);
  }
  if (m.token_authority && !c.token_secrets.empty()) {
    m.token_authority->set_keys(c.token_secrets[0],
                                c.token_secrets.size() > 1 ? c.token_secrets[1] : std::string());
  }
  auto media_limits = media::MediaStoreLimits::for_total_mib(c.media_store_mb);
  media_limits.evict_oldest = remote;  // there, a cache in front of the shared objects
  m.media_store = std::make_unique<media::MediaStore>(m.clock, media_limits);
  m.make_audience(loops, remote);
  m.webhook_verifier = std::make_unique<core::WebhookVerifier>(c.webhook_secrets);
  const std::string static_dir = c.static_dir.empty() ? find_static_dir() : c.static_dir;
  m.services.reset(new Services{
      c,
      m.clock,
      *m.store,
      m.token_vendor ? *m.token_vendor : static_cast<store::TokenVendor&>(*m.token_authority),
      m.token_authority.get(),
      *m.webhook_verifier,
      *m.audience,
      m.stats,
      static_dir,
      c.media_dir.empty() ? default_media_dir(static_dir) : c.media_dir,
      [&m](std::size_t n, std::chrono::seconds d) { return m.start_simulation(n, d); },
      m.media_store.get(),
      m.media_origin ? m.media_origin.get() : static_cast<store::ObjectStore*>(m.redis),
      {},
      &m.live,
      m.ioc.get_executor(),
      nullptr,  // the embedded topics, set below
      {},       // trusted proxies, set below
      {}});     // token buckets; set_up_guards sizes them
  set_up_guards(*m.services, m.report_authority, m.token_authority.get());
  // Checked by parse_serve_config; a Config built in code may still carry a bad entry.
  if (auto proxies = core::TrustedProxies::parse(c.trusted_proxies)) {
    m.services->trusted_proxies = std::move(*proxies);
  } else {
    spdlog::warn("trusted proxies ignored: {}", proxies.error());
  }
  if (!remote) m.services->embedded_topics = static_cast<embedded::EmbeddedStore*>(m.store.get());
  m.services->long_poll_slots = &m.long_poll_slots;
  m.services->stream_slots = &m.stream_slots;
  m.services->count_subscribers = [&m] { return m.long_poll_slots.figures().open; };
  if (remote) {
    m.stream_keeper = make_dictionary_keeper(*m.store, std::string(kStreamsDictionary));
  } else if (!c.data_dir.empty()) {
    m.stream_keeper = make_file_keeper(std::filesystem::path(c.data_dir) / kStreamsFileName,
                                       m.file_pool.get_executor());
  }
  m.services->streams = &m.streams;
  // Heartbeats name a stream from the catalog and their tokens are scoped to one
  // (core/stream_scope.hpp), checked on every loop.
  core::StreamTagger tag;
  if (const auto* authority = m.services->report_tokens) {
    tag = [authority](std::string_view player_id, std::string_view stream_id) {
      return authority->stream_tag(player_id, stream_id);
    };
  }
  m.audience->set_streams(m.streams.ids(), std::move(tag));
  m.services->stream_keeper = m.stream_keeper.get();
  if (remote) {
    // Instances on one cache share the count duty; until the first election, nobody publishes.
    m.services->duty.elect = true;
    m.services->duty.count_publisher = false;
    m.services->duty.instance_id = m.instance_id;
    if (m.redis) {
      m.services->redis_figures = [redis = m.redis] {
        const auto f = redis->figures();
        Services::RedisFigures out;
        out.commands_connected = f.commands.connected;
        out.mirror_connected = f.mirror.connected;
        out.reconnects = f.commands.reconnects + f.mirror.reconnects;
        out.commands = f.commands_sent;
        out.retries = f.retries;
        out.refused_full = f.commands.refused_full + f.mirror.refused_full;
        out.refused_oom = f.refused_oom;
        out.pending = f.commands.pending;
        out.topics_mirrored = f.topics_mirrored;
        return out;
      };
      // On Redis the duty is a lease on Redis's clock (docs/redis.md, "The count duty").
      auto* redis = m.redis;
      const std::string id = m.services->duty.instance_id;
      m.services->duty.hold_lease = [redis, id](std::chrono::milliseconds ttl) {
        return redis->hold_lease("count-publisher", id, ttl);
      };
      m.services->duty.release_lease = [redis, id] {
        return redis->release_lease("count-publisher", id);
      };
    }
  }
  if (!remote && !c.data_dir.empty()) {
    m.live.history_file = std::filesystem::path(c.data_dir) / kHistoryFileName;
    m.live.file_executor = m.file_pool.get_executor();
    if (read_history_file(m.live.history_file, m.live.history))
      spdlog::info("restored the viewer history from {}", m.live.history_file.string());
  }
  api::add_routes(m.router, *m.services);

  auto endpoint = parse_listen(c.listen);
  if (!endpoint) {
    message = "--listen must be address:port, not '" + c.listen + "'";
    return endpoint.error();
  }
  http::ServerSettings ss;
  ss.endpoint = *endpoint;
  ss.max_connections = c.max_connections;
  ss.header_timeout = std::chrono::milliseconds(c.header_timeout_ms);
  ss.on_accept_failure = [&stats = m.stats] { ++stats.accept_failures; };  // on the state loop
  ss.on_refused = [&stats = m.stats] { ++stats.connections_refused; };
  m.server = std::make_unique<http::Server>(m.ioc.get_executor(), ss, m.router,
                                            m.connection_loops->executors());
  if (auto ec = m.server->listen()) {
    message = "cannot listen on " + c.listen + ": " + ec.message();
    return ec;
  }
  return {};
}

unsigned short App::port() const { return impl_->server->local_endpoint().port(); }

void App::stop() {
  asio::post(impl_->ioc, [m = impl_.get()] { m->begin_stop(); });
}

void App::Impl::make_audience(const std::vector<asio::any_io_executor>& loops, bool remote) {
  const Config& c = config;
  // One shard per loop on the embedded backend; on Momento the collections are remote and
  // shared, and one shard on the state loop does the bookkeeping.
  const std::size_t n = remote ? 1 : loops.size();
  auto share = [n](std::size_t total) { return std::max<std::size_t>(1, (total + n - 1) / n); };
  core::RegistrySettings rs;
  rs.active_window_ms = c.active_window_ms;
  rs.retention_ms = c.player_retention_s * 1000;
  rs.concurrent_writes = remote;
  // The cap is the whole audience's: the shards share one count of players tracked.
  rs.max_players = choose_player_cap(c).max_players;
  rs.shared_tracked = std::make_shared<std::atomic<std::int64_t>>(0);
  rs.viewers = std::make_shared<core::ViewerTally>();  // unique viewers over the shards
  auto stream_viewers = std::make_shared<core::StreamViewerTallies>();
  auto bindings = binding_settings(c);
  bindings.capacity = share(bindings.capacity);
  core::ReplayWindow::Settings replays;
  replays.capacity = share(replays.capacity);
  std::vector<std::unique_ptr<AudienceShard>> shards;
  for (std::size_t i = 0; i < n; ++i) {
    auto sh = std::make_unique<AudienceShard>();
    sh->executor = loops[i];
    if (remote) {
      sh->store = store.get();
    } else {
      sh->own_store = std::make_unique<embedded::EmbeddedStore>(loops[i], clock);
      if (journal) {
        auto journaled = std::make_unique<JournaledStore>(std::move(sh->own_store),
                                                          rs.analytics_dictionary, clock);
        sh->journaled = journaled.get();
        sh->own_store = std::move(journaled);
      }
      sh->store = sh->own_store.get();
    }
    sh->registry = std::make_unique<core::ViewerRegistry>(*sh->store, clock, rs);
    sh->activity = core::StreamActivity(c.active_window_ms, stream_viewers);
    // With intake "both", a message that arrives by webhook and by the subscription is
    // recorded once (the same message goes to the same shard both times).
    sh->pipeline = std::make_unique<HeartbeatPipeline>(*sh->registry, stats, clock,
                                                       c.heartbeat_intake == "both", bindings);
    sh->webhook_replays = core::ReplayWindow(replays);
    shards.push_back(std::move(sh));
  }
  audience = std::make_unique<Audience>(std::move(shards), clock);
}

bool App::Impl::start_simulation(std::size_t players, std::chrono::seconds duration) {
  constexpr std::size_t kMaxRunning = 4;
  std::erase_if(simulations, [](const auto& w) { return w.expired(); });
  if (stopping || simulations.size() >= kMaxRunning) return false;
  sim::SimulatorOptions options;
  options.players = players;
  options.duration = duration;
  options.interval = std::chrono::milliseconds(config.heartbeat_interval_ms);
  options.max_in_flight = 64;
  // The synthetic players' heartbeats take the real path, minus the network.
  auto sender = sim::make_inprocess_sender([this](std::string json) -> asio::awaitable<void> {
    auto parsed = core::parse_heartbeat(json);
    // The service's own heartbeats: trusted (no token).
    auto outcome = co_await audience->accept(std::move(parsed), std::move(json), {});
    if (outcome.kind != HeartbeatOutcome::Kind::accepted)
      throw std::runtime_error("heartbeat refused: " + outcome.problem.message +
                               (outcome.error ? outcome.error.message() : std::string()));
  });
  spdlog::info("simulation: {} players for {} s", players, duration.count());
  simulations.push_back(sim::spawn_simulation(ioc.get_executor(), options, std::move(sender)));
  return true;
}

void App::Impl::begin_stop() {
  if (stopping) return;
  stopping = true;
  spdlog::info("stopping: no new connections, finishing requests in flight");
  server->stop_accepting();
  store->shutdown();  // long-polls answer now
  for (auto& c : task_cancel) c.emit(asio::cancellation_type::terminal);
  live_cancel.emit(asio::cancellation_type::terminal);
  for (auto& w : simulations) {
    if (auto sim = w.lock()) sim->stop();
  }
  server->close_idle();
  asio::co_spawn(ioc, drain(), asio::detached);
}

// Waits for the sessions to finish, up to the grace period, then closes what is left.
asio::awaitable<void> App::Impl::drain() {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config.shutdown_grace_ms);
  asio::steady_timer timer(ioc);
  while (server->sessions() > 0 && std::chrono::steady_clock::now() < deadline && !forced) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (server->sessions() > 0) {
    spdlog::warn("grace period over: closing {} connections", server->sessions());
    server->close_all();
    // Closed sockets end their sessions at once, each on its own thread: wait for that, so
    // no session is left to hop to this loop after it has stopped.
    const auto last = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (server->sessions() > 0 && std::chrono::steady_clock::now() < last) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(asio::use_awaitable);
    }
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
    journal_cancel.emit(asio::cancellation_type::terminal);  // the flusher, last
  }
  boost::system::error_code ignored;
  signals.cancel(ignored);  // the wait for a second signal: nothing is left to cut short
}

// Before the Redis backend serves: the version and eviction policy logged (anything but
// noeviction can drop the audience's keys under memory pressure), and the shared token key read
// unless one is configured. Waits for Redis as long as it takes, saying so once.
asio::awaitable<void> App::Impl::prepare_redis() {
  const std::string where = redis::Url::parse(config.redis_url)->redacted();
  asio::steady_timer pause(ioc);
  for (int attempt = 0; !stopping; ++attempt) {
    auto info = co_await redis->server_info();
    if (info) {
      spdlog::info("redis {} at {}, maxmemory-policy {}", info->second, where, info->first);
      if (info->first != "noeviction")
        spdlog::warn(
            "redis maxmemory-policy is {}, not noeviction: under memory pressure Redis "
            "evicts streampulse's keys (players, topics) instead of refusing writes "
            "(docs/redis.md)",
            info->first);
      break;
    }
    if (attempt == 0) spdlog::warn("waiting for redis at {}: {}", where, info.error().message());
    pause.expires_after(std::chrono::milliseconds(500));
    co_await pause.async_wait(asio::use_awaitable);
  }
  if (!config.token_secrets.empty()) co_return;
  for (int attempt = 0; !stopping; ++attempt) {
    auto key = co_await redis->shared_token_key(token_authority->key());
    if (key) {
      token_authority->set_keys(std::move(*key));
      spdlog::info(
          "viewer tokens: signed with the key kept in redis (STREAMPULSE_TOKEN_SECRET "
          "unset)");
      co_return;
    }
    if (attempt == 0)
      spdlog::warn("reading the shared token key from redis failed: {}", key.error().message());
    pause.expires_after(std::chrono::milliseconds(500));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

// The Redis backend's shared token key, asked for again every few seconds: a Redis that lost it
// (restarted without persistence) gets this instance's key back (SET NX), and an instance that
// finds another key there takes it, still accepting its old one, so every instance, old or
// new, signs and checks with the same key again.
asio::awaitable<void> App::Impl::keep_token_key() {
  asio::steady_timer pause(ioc);
  for (;;) {
    pause.expires_after(std::chrono::seconds(5));
    auto [ec] = co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // stopping
    const std::string mine = token_authority->key();
    auto key = co_await redis->shared_token_key(mine);
    if (key && *key != mine) {
      spdlog::info("viewer tokens: another key is shared in redis now; switching to it");
      token_authority->set_keys(std::move(*key), mine);
    }
  }
}

// Before serving, in order, on the state loop: Redis checked and the shared token key read, the
// stream catalog restored (a page asking for a kept stream finds it from the start, and the
// players are restored under their streams), the journal replayed (nobody sees a half-loaded
// dashboard; journaling starts before any heartbeat can arrive), the players other instances
// wrote loaded. Then the server accepts and the background tasks start. A stop requested on the
// way (a signal while Redis is unreachable) ends it after the phase in flight, serving nothing.
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
  if (config.backend != "embedded") {
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
               config.backend, config.cache, connection_loops->size() + 1);
  start_tasks();
}

// A task's end, logged when it failed (a cancelled one ends quietly).
static auto log_failure(const char* name) {
  return [name](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const boost::system::system_error& se) {
      if (se.code() != asio::error::operation_aborted)
        spdlog::error("{} failed: {}", name, se.what());
    } catch (const std::exception& ex) {
      spdlog::error("{} failed: {}", name, ex.what());
    }
  };
}

void App::Impl::start_tasks() {
  Services& s = *services;
  auto spawn = [this](asio::awaitable<void> task, asio::cancellation_signal& stop,
                      const char* name) {
    asio::co_spawn(ioc, std::move(task),
                   asio::bind_cancellation_slot(stop.slot(), log_failure(name)));
  };
  if (journal) {
    spawn(journal->run_flusher(), journal_cancel, "journal");
    spawn(run_snapshotter(s, *journal, file_pool.get_executor()), task_cancel[3], "snapshots");
  }
  asio::co_spawn(ioc, server->run(), log_failure("server"));
  spawn(run_count_publisher(s), task_cancel[0], "count publisher");
  // On the embedded backend the player's publish records its heartbeat itself (api/topics.cpp):
  // the topic is in this process, so the subscription is a direct call on the player's shard.
  if (config.heartbeat_intake != "webhook" && config.backend != "embedded")
    spawn(run_topic_intake(s), task_cancel[1], "topic intake");
  if (s.duty.elect) spawn(run_election(s), task_cancel[4], "election");
  if (redis && config.token_secrets.empty()) spawn(keep_token_key(), task_cancel[5], "token key");
  spawn(run_pruner(s), task_cancel[2], "pruner");
  spawn(run_dashboard_feed(s), live_cancel, "dashboard feed");
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
      forced = true;
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
  asio::co_spawn(m.ioc, m.serve(), [&m](std::exception_ptr e) {
    if (!e) return;
    log_failure("starting")(e);
    m.begin_stop();
  });
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
