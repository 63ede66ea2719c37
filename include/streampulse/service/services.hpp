#pragma once
// What the route handlers and background tasks share: the configuration and the parts
// main() wired together. Handlers hold a reference; the App owns everything.
#include "streampulse/config/config.hpp"
#include "streampulse/core/client_address.hpp"
#include "streampulse/core/client_slots.hpp"
#include "streampulse/core/stream_catalog.hpp"
#include "streampulse/core/token_buckets.hpp"
#include "streampulse/core/webhook.hpp"
#include "streampulse/service/audience.hpp"
#include "streampulse/service/stats.hpp"
#include "streampulse/store/store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <map>

namespace streampulse::core {
class TokenAuthority;
}  // namespace streampulse::core
namespace streampulse::media {
class MediaStore;
}  // namespace streampulse::media
namespace streampulse::persist {
class StreamKeeper;
}  // namespace streampulse::persist

namespace streampulse::service {

struct LiveDashboard;

struct Services {
  const config::Config& config;
  const core::Clock& clock;
  store::Store& store;
  store::TokenVendor& tokens;
  // Verifies tokens on the embedded topics API; null on the Momento backend.
  const core::TokenAuthority* token_authority;
  const core::WebhookVerifier& webhook_verifier;
  // The players, sharded over the loops (service/audience.hpp): every heartbeat goes through it.
  Audience& audience;
  Stats& stats;
  std::string static_dir;
  std::string media_dir;
  // Starts an in-process simulation of N players for a duration (POST /api/simulations);
  // false when the number of simulations running at once is at its bound.
  std::function<bool(std::size_t players, std::chrono::seconds duration)> start_simulation;
  // Uploaded media (PUT /media/...), served before media_dir; null: no uploads. On Momento, a
  // bounded cache of media_origin's objects (the origin shield).
  media::MediaStore* media_store = nullptr;
  // Where media objects live beyond this process (Momento); null: only in media_store.
  store::ObjectStore* media_origin = nullptr;

  // The viewer-count duty among instances sharing one Momento cache (core/publisher_election).
  struct Duty {
    bool elect = false;  // false: this instance is alone (embedded backend) and always publishes
    std::string instance_id;
    bool count_publisher = true;
    // A lease on the backend's clock (Redis): take or renew it, for how long; give it up. Unset:
    // the election by announcements in a sorted set (core/publisher_election.hpp, Momento).
    std::function<store::awaitable<store::result<bool>>(std::chrono::milliseconds)> hold_lease;
    std::function<store::awaitable<store::result<void>>()> release_lease;
  } duty{};

  // The live dashboard's history, SSE fan-out and latest metrics (service/live_dashboard.hpp).
  LiveDashboard& live;

  // The state loop: the thread of the background tasks (count publisher, intake, pruner,
  // dashboard feed) and of what is not sharded (token buckets, the Momento store). Handlers of
  // Affinity::any run on their connection's loop and hop here or to a shard when they need to.
  boost::asio::any_io_executor state;
  // The embedded backend's topics (thread-safe; null on Momento): the player's heartbeat publish
  // records on its shard and publishes here from the connection's loop.
  store::ImmediateTopics* embedded_topics = nullptr;

  // Proxies whose X-Forwarded-For names the client (api::client_of).
  core::TrustedProxies trusted_proxies{};

  // Viewer tokens per client address (GET /api/player-config); state loop only.
  core::TokenBuckets token_buckets{};
  // Signs and checks the tokens POST /cmcd takes (the player config's reportToken): the
  // topics' authority on the embedded backend; on Momento, one keyed from the API key, so
  // every instance of the cache accepts the others'. Null: CMCD answers 503.
  const core::TokenAuthority* report_tokens = nullptr;
  // Per-client slots (api/client_slot.hpp): topic long-polls (embedded backend) and dashboard
  // streams.
  core::ClientSlots& long_poll_slots;
  core::ClientSlots& stream_slots;
  // Subscribers waiting on the count topic now, for the count publisher's delivery budget
  // (core/count_policy.hpp); called on the state loop. Empty: 0 (on Momento the instance
  // cannot know).
  std::function<std::size_t()> count_subscribers = nullptr;

  // The Redis backend's connections, for /metrics; unset on the other backends.
  struct RedisFigures {
    bool commands_connected = false, mirror_connected = false;
    std::uint64_t reconnects = 0, commands = 0, retries = 0, refused_full = 0, refused_oom = 0;
    std::size_t pending = 0, topics_mirrored = 0;
  };
  std::function<RedisFigures()> redis_figures = nullptr;

  // The catalog of streams (GET/PUT/DELETE /api/streams, /api/player-config?stream=); state
  // loop only.
  core::StreamCatalog& streams;
  // Where the catalog's changes are saved (persist/stream_keeper.hpp); null: memory only.
  persist::StreamKeeper* stream_keeper = nullptr;
  // The highest active count of each stream but the default (whose peak is the history's),
  // since this process started: the count publisher raises it, GET /api/streams reads it and
  // drops the ids no longer in the catalog. State loop only.
  struct StreamPeak {
    std::uint64_t players = 0;
    core::EpochMs at = 0;
  };
  std::map<std::string, StreamPeak, std::less<>> stream_peaks{};
};

}  // namespace streampulse::service
