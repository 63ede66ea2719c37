#pragma once
// One simulated viewer, the player page's loops (static/player.js): configuration, heartbeats,
// and the count long-poll. State is plain data; the loops are coroutines on the audience's one
// thread.
#include "scheduler.hpp"
#include "streampulse/sim/audience.hpp"
#include "streampulse/sim/backoff.hpp"
#include "streampulse/sim/population.hpp"
#include "viewer_http.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace streampulse::sim {

// What every viewer shares (one thread: no locks).
struct AudienceContext {
  boost::asio::any_io_executor ex;
  const AudienceOptions& options;
  Scheduler& scheduler;
  AudienceLedger& ledger;
  AudienceFigures& figures;
  Endpoints& endpoints;
  std::mt19937_64 rng;
  std::string body;  // scratch for heartbeat bodies
  bool stopping = false;
  double unit() { return std::uniform_real_distribution<double>(0, 1)(rng); }
};

struct Viewer {
  Viewer(boost::asio::any_io_executor ex, std::size_t id_, const Target& target_, Player player_)
      : id(id_), target(target_), player(std::move(player_)), hb(ex), poll(ex) {}

  std::size_t id;  // the ledger's
  const Target& target;
  Player player;  // agent, bitrate ladder, play time; its id is sent as viewerId
  std::int64_t start_ms = 0;
  std::string stream_id;  // --streams: the catalog stream it watches; empty: the default

  // From the configuration.
  std::string player_id, token;
  const Endpoint* topics = nullptr;
  std::string publish_path, count_path;  // "/topics/{cache}/{topic}"
  std::int64_t interval_ms = 750;
  std::int64_t refresh_at_ms = std::numeric_limits<std::int64_t>::max();

  // Preformatted: the heartbeat request up to the Content-Length value, and the body around
  // its two changing numbers.
  std::string publish_head, body_prefix, body_suffix;
  std::string request, poll_request;  // reused buffers

  Conn hb, poll;
  Scheduler::Slot hb_slot, poll_slot;
  Backoff hb_backoff, poll_backoff, config_backoff;
  bool leaving = false;
  bool running = true;  // run_viewer has not returned yet
  bool polling = false;
};

// The viewer's whole life: waits for its start, fetches its configuration, starts its poll
// (when subscribed), heartbeats until it leaves or the run stops.
boost::asio::awaitable<void> run_viewer(AudienceContext& ctx, Viewer& v);

// player.js refreshConfig: GET /api/player-config on `conn` (idle) until it succeeds, backing
// off after each failure (Retry-After honoured), parking in `slot`. False when the viewer left
// or the run stopped meanwhile.
boost::asio::awaitable<bool> fetch_config(AudienceContext& ctx, Viewer& v, Conn& conn,
                                          Scheduler::Slot& slot);
// player.js pollViewerCount, on the viewer's second connection (viewer_poll.cpp).
boost::asio::awaitable<void> poll_loop(AudienceContext& ctx, Viewer& v);

// Parses a /api/player-config answer into the viewer (pure but for endpoint lookup).
bool apply_config(AudienceContext& ctx, Viewer& v, std::string_view body, std::string& why);
// The count in a topic item's text: digits, or {"viewerCount": n} / {"count": n}; -1 if none.
std::int64_t parse_count(std::string_view text);

}  // namespace streampulse::sim
