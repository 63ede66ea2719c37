#include "app_impl.hpp"

#include "streampulse/api/handlers.hpp"
#include "streampulse/app/capacity.hpp"
#include "streampulse/app/connection_loops.hpp"
#include "streampulse/app/from_config.hpp"
#include "streampulse/app/guards.hpp"
#include "streampulse/app/logging.hpp"
#include "streampulse/app/paths.hpp"
#include "streampulse/core/token_authority.hpp"
#include "streampulse/embedded/embedded_store.hpp"
#include "streampulse/http/server.hpp"
#include "streampulse/media/media_store.hpp"
#include "streampulse/momento/momento_store.hpp"
#include "streampulse/persist/history_store.hpp"
#include "streampulse/persist/journaled_store.hpp"
#include "streampulse/persist/stream_keeper.hpp"
#include "streampulse/service/audience.hpp"
#include "streampulse/service/background.hpp"
#include "streampulse/service/live_dashboard.hpp"
#include "streampulse/service/memory_limit.hpp"
#include "streampulse/sim/simulator.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <thread>

namespace streampulse::app {

using asio::ip::tcp;
// The layers this file wires together (DEVELOPERS.md, "Layers").
using namespace streampulse::persist;
using namespace streampulse::service;

App::App(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
App::~App() = default;

boost::system::error_code App::start(std::string& message) {
  auto& m = *impl_;
  const Config& c = m.config;
  setup_logging(c.log_level, c.log_format);
  log_capacity(m.capacity);

  const bool on_momento = c.backend == config::Backend::momento;
  const bool on_redis = c.backend == config::Backend::redis;
  // The players' collections live elsewhere, shared with other instances.
  const bool remote = on_momento || on_redis;
  if (remote && !c.data_dir.empty())
    spdlog::warn("--data-dir is ignored on the {} backend: the state lives there",
                 config::to_string(c.backend));
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
  // Members in declaration order (services.hpp); the others keep their defaults or are set
  // below: the trusted proxies, the token buckets and report tokens (set_up_guards), the count
  // duty, the stream keeper.
  m.services.reset(new Services{
      .config = c,
      .clock = m.clock,
      .store = *m.store,
      .tokens =
          m.token_vendor ? *m.token_vendor : static_cast<store::TokenVendor&>(*m.token_authority),
      .token_authority = m.token_authority.get(),
      .webhook_verifier = *m.webhook_verifier,
      .audience = *m.audience,
      .stats = m.stats,
      .static_dir = static_dir,
      .media_dir = c.media_dir.empty() ? default_media_dir(static_dir) : c.media_dir,
      .start_simulation = [&m](std::size_t n,
                               std::chrono::seconds d) { return m.start_simulation(n, d); },
      .media_store = m.media_store.get(),
      .media_origin =
          m.media_origin ? m.media_origin.get() : static_cast<store::ObjectStore*>(m.redis),
      .live = m.live,
      .state = m.ioc.get_executor(),
      .embedded_topics = remote ? nullptr : static_cast<embedded::EmbeddedStore*>(m.store.get()),
      .long_poll_slots = m.long_poll_slots,
      .stream_slots = m.stream_slots,
      .count_subscribers = [&m] { return m.long_poll_slots.figures().open; },
      .streams = m.streams,
  });
  set_up_guards(*m.services, m.report_authority, m.token_authority.get());
  // Checked by parse_serve_config; a Config built in code may still carry a bad entry.
  if (auto proxies = core::TrustedProxies::parse(c.trusted_proxies)) {
    m.services->trusted_proxies = std::move(*proxies);
  } else {
    spdlog::warn("trusted proxies ignored: {}", proxies.error());
  }
  if (remote) {
    m.stream_keeper = make_dictionary_keeper(*m.store, std::string(kStreamsDictionary));
  } else if (!c.data_dir.empty()) {
    m.stream_keeper = make_file_keeper(std::filesystem::path(c.data_dir) / kStreamsFileName,
                                       m.file_pool.get_executor());
  }
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
  m.server = std::make_unique<http::Server>(m.ioc.get_executor(), ss, m.router, m.tasks,
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
    sh->pipeline = std::make_unique<HeartbeatPipeline>(
        *sh->registry, stats, clock, c.heartbeat_intake == config::HeartbeatIntake::both, bindings);
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

}  // namespace streampulse::app
