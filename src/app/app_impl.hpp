#pragma once
// The service's parts, owned in one place: what App::start() builds (app.cpp), what App::run()
// runs and stops (lifecycle.cpp) and the Redis backend's startup (redis_startup.cpp) share it.
// Private to src/app/.
#include "streampulse/app/app.hpp"
#include "streampulse/app/capacity.hpp"
#include "streampulse/app/connection_loops.hpp"
#include "streampulse/async/task_group.hpp"
#include "streampulse/core/client_slots.hpp"
#include "streampulse/core/clock.hpp"
#include "streampulse/core/publisher_election.hpp"
#include "streampulse/core/stream_catalog.hpp"
#include "streampulse/core/token_authority.hpp"
#include "streampulse/core/webhook.hpp"
#include "streampulse/http/server.hpp"
#include "streampulse/media/media_store.hpp"
#include "streampulse/persist/journal.hpp"
#include "streampulse/persist/stream_keeper.hpp"
#include "streampulse/redis/redis_store.hpp"
#include "streampulse/service/audience.hpp"
#include "streampulse/service/background.hpp"
#include "streampulse/service/live_dashboard.hpp"
#include "streampulse/sim/simulator.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <string>
#include <vector>

namespace streampulse::app {

namespace asio = boost::asio;

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
  service::Stats stats;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::TokenVendor> token_vendor;  // Momento's token service
  std::unique_ptr<store::ObjectStore> media_origin;  // Momento's cache scalars
  redis::RedisStore* redis = nullptr;  // `store` on the Redis backend (its objects too)
  std::unique_ptr<core::TokenAuthority> token_authority;
  std::unique_ptr<core::TokenAuthority> report_authority;  // CMCD's tokens on Momento
  std::unique_ptr<media::MediaStore> media_store;
  std::unique_ptr<core::WebhookVerifier> webhook_verifier;
  std::unique_ptr<service::Audience> audience;  // the players, sharded over the loops
  // The catalog of streams; its default from the configuration (checked by parse_serve_config).
  core::StreamCatalog streams{{config.stream_id, config.stream_name, config.stream_url}};
  std::unique_ptr<service::Services> services;
  http::Router router;
  std::unique_ptr<http::Server> server;
  asio::signal_set signals{ioc};
  // Every background task, the accept loop and every connection: one stop reaches them all
  // (begin_stop), in two steps (graceful, then now).
  async::TaskGroup tasks{ioc.get_executor()};
  asio::thread_pool file_pool{1};  // blocking file I/O (snapshots, journal), off the loop's thread
  std::unique_ptr<persist::StreamKeeper> stream_keeper;  // null: the catalog lives in memory only
  // With STREAMPULSE_DATA_DIR (embedded backend): the journal (each shard's store feeds it).
  std::unique_ptr<persist::Journal> journal;
  // The journal's flusher: stops last, after the final snapshot.
  async::TaskGroup journaling{ioc.get_executor()};
  std::vector<std::weak_ptr<sim::Simulator>> simulations;  // POST /api/simulations
  service::LiveDashboard live;  // history, SSE fan-out (run_dashboard_feed)
  // Per-client slots; each table holds at most as many clients as the global bound has places.
  core::ClientSlots long_poll_slots{config.max_long_polls_per_client, config.max_long_polls};
  core::ClientSlots stream_slots{config.max_dashboard_streams_per_client,
                                 live.feed.max_subscribers()};
  const std::string instance_id = core::make_instance_id();  // among instances sharing a backend
  bool stopping = false;
  bool serving = false;  // the restore and load are done; the server accepts

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

}  // namespace streampulse::app
