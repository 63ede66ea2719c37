#include "streampulse/service/background.hpp"

#include "streampulse/core/count_policy.hpp"
#include "streampulse/core/publisher_election.hpp"
#include "streampulse/core/stream_count_plan.hpp"
#include "streampulse/core/stream_ids.hpp"
#include "streampulse/persist/blocking.hpp"
#include "streampulse/persist/history_store.hpp"
#include "streampulse/service/live_dashboard.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <memory>
#include <set>

namespace streampulse::service {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// Sleeps; false when the wait was cancelled (the service is stopping).
asio::awaitable<bool> sleep_for(milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

// A periodic task's failures, logged when they begin (warn) and when they end (info), the tries
// in between at debug: a backend down for minutes would otherwise log a line at every try.
class FailureLog {
 public:
  explicit FailureLog(const char* what) : what_(what) {}
  void failed(const boost::system::error_code& ec) {
    if (failing_) {
      spdlog::debug("{} failed: {}", what_, ec.message());
      return;
    }
    failing_ = true;
    spdlog::warn("{} failed: {} (tried again; logged again when it works)", what_, ec.message());
  }
  void succeeded() {
    if (!failing_) return;
    failing_ = false;
    spdlog::info("{} works again", what_);
  }

 private:
  const char* what_;
  bool failing_ = false;
};

// The other streams' counts (viewerCount-<id>): what the plan says is due within its budget.
asio::awaitable<void> publish_stream_counts(Services& s, core::StreamCountPlan& plan,
                                            const std::map<std::string, std::uint64_t>& active,
                                            core::EpochMs now) {
  const auto due = plan.observe(active, now);
  for (const auto& p : due) {
    store::TopicValue value{false, std::to_string(p.count)};  // named: see api/topics.cpp
    const std::string topic =
        core::count_topic_of(s.config.viewer_count_topic, s.config.stream_id, p.stream_id);
    auto published = co_await s.store.topic_publish(topic, std::move(value), "streampulse");
    if (published.has_error()) {
      ++s.stats.count_publish_errors;
      continue;
    }
    plan.published(p.stream_id, p.count, now);
    ++s.stats.stream_count_publishes;
  }
  s.stats.stream_count_publishes_deferred = plan.deferred();
  s.stats.streams_counted = plan.streams_planned();
}

}  // namespace

asio::awaitable<void> run_count_publisher(Services& s) {
  const config::Config& c = s.config;
  core::CountPolicySettings settings;  // the rules: core/count_policy.hpp
  settings.tick_ms = c.count_tick_ms;
  settings.min_gap_ms = std::min<core::EpochMs>(c.count_tick_ms, 100);
  settings.settle_ms = c.count_settle_ms;
  settings.active_window_ms = c.active_window_ms;
  settings.stall_ms = 2 * c.count_tick_ms;
  settings.max_deliveries_per_s = c.max_count_deliveries_per_s;
  core::CountPolicy policy(settings);
  core::StreamCountPlan stream_plan(settings, c.max_stream_count_publishes_per_s);
  core::EpochMs planned_streams_at = 0;
  // A backend refusing publishes (Redis full, Momento throttling): not a line a second.
  FailureLog failures("publishing the viewer count");
  const milliseconds tick(c.count_tick_ms);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  // A join may wake the publisher before its planned wake, so that it shows within a few ms,
  // when the policy may publish now (its minimum interval since the last publish is over);
  // else the planned wake takes it. The join is seen on its shard's loop: it wakes the
  // publisher by a post to this loop. What the wake-up reads is shared, so a wake-up posted
  // just before this coroutine ends finds no timer rather than a dangling one.
  struct Wake {
    bool waiting = false;
    asio::steady_timer* timer = nullptr;
    core::CountPolicy* policy = nullptr;
    std::atomic<bool> pending = false;  // a wake-up is posted already
  };
  auto wake = std::make_shared<Wake>();
  wake->timer = &timer;
  wake->policy = &policy;
  const auto here = co_await asio::this_coro::executor;
  s.audience.set_join_observer([here, wake, &clock = s.clock] {
    if (wake->pending.exchange(true)) return;
    asio::post(here, [wake, &clock] {
      wake->pending = false;
      if (wake->timer && wake->waiting && wake->policy->may_publish(clock.now_ms()))
        wake->timer->cancel();
    });
  });
  struct Unobserve {
    Audience& audience;
    Wake& wake;
    ~Unobserve() {
      audience.set_join_observer({});
      wake.timer = nullptr;
      wake.policy = nullptr;
    }
  } unobserve{s.audience, *wake};

  for (;;) {
    // The next wake: a tick, or sooner when the decision may change by itself then (a dip's
    // maximum expiring, a stall's hold ending, the minimum interval passing with a change
    // pending, the keepalive).
    const auto armed = std::chrono::steady_clock::now();  // lateness: on the steady clock
    milliseconds wait = tick;
    if (const auto at = policy.next_look_at())
      wait = std::clamp(milliseconds(*at - s.clock.now_ms()), milliseconds(0), tick);
    timer.expires_after(wait);
    wake->waiting = true;
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));  // planned, or a join
    wake->waiting = false;
    const auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) co_return;  // the service is stopping
    // How late the wake came (< 0: early, for a join).
    const core::EpochMs late =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - armed - wait)
            .count();
    if (!s.duty.count_publisher) {
      policy.reset();  // on taking the duty over, publish at once
      stream_plan.reset();
      continue;
    }
    // Every stream's count from the players this instance recorded; the default stream's is
    // the whole audience's (from the store: on Momento, every instance's) less the others'.
    const auto streams = co_await s.audience.stream_figures();
    auto count = co_await s.audience.active_count();
    if (count.has_error()) {
      ++s.stats.count_publish_errors;
      continue;
    }
    std::map<std::string, std::uint64_t> others;
    std::uint64_t others_active = 0;
    for (const auto& [id, f] : streams) {
      if (id == c.stream_id) continue;
      others.emplace(id, f.active);
      others_active += f.active;
      auto& peak = s.stream_peaks[id];
      if (f.active > peak.players) peak = {f.active, s.clock.now_ms()};
    }
    *count = *count > others_active ? *count - others_active : 0;
    // The other streams once a tick at most: a join's early wake is for the default stream's
    // count, and planning costs O(streams).
    if (const auto at = s.clock.now_ms(); at - planned_streams_at >= c.count_tick_ms) {
      planned_streams_at = at;
      co_await publish_stream_counts(s, stream_plan, others, at);
    }
    // The stall check measures the wake only, not the backend's answer just above.
    const auto now = s.clock.now_ms();
    const std::size_t subscribers = s.count_subscribers ? s.count_subscribers() : 0;
    const auto decision = policy.observe(*count, now, now - late, subscribers);
    s.stats.count_min_interval_ms = policy.min_interval_ms();
    s.stats.count_dips_held = policy.dips_held();
    s.stats.count_stalls = policy.stalls();
    s.stats.count_subscribers = subscribers;
    if (!decision.publish) continue;
    store::TopicValue value{false, std::to_string(decision.count)};  // named: see api/topics.cpp
    auto published = co_await s.store.topic_publish(s.config.viewer_count_topic, std::move(value),
                                                    "streampulse");
    if (published.has_error()) {
      ++s.stats.count_publish_errors;
      failures.failed(published.error());
      continue;
    }
    failures.succeeded();
    policy.published(decision.count, now);
    ++s.stats.count_publishes;
  }
}

namespace {

// One heartbeat read from the topic, recorded (on Momento and Redis: a round trip to the
// backend), its refusals logged at debug.
asio::awaitable<void> record_from_topic(Services& s, store::TopicItem item,
                                        HeartbeatPipeline::Parsed parsed) {
  // publisher_id: the publishing token's id, checked against the player it is bound to; empty
  // for the operator's own credential. A heartbeat another instance published (Redis) is that
  // instance's to write to the shared store: here it goes into this instance's index only. It
  // reads the same topic in the same order, so its record holds the player's whole history.
  const bool mine = item.origin.empty() || item.origin == s.duty.instance_id;
  auto outcome = co_await s.audience.accept(std::move(parsed), item.value.data, item.publisher_id,
                                            std::max<std::uint64_t>(item.topic_sequence_number, 1),
                                            0, {}, mine);
  if (outcome.kind == HeartbeatOutcome::Kind::invalid ||
      outcome.kind == HeartbeatOutcome::Kind::unknown_stream ||
      outcome.kind == HeartbeatOutcome::Kind::wrong_stream)
    spdlog::debug("heartbeat on the topic refused: {}", outcome.problem.message);
  if (outcome.kind == HeartbeatOutcome::Kind::refused) {  // counted in /metrics
    if (outcome.error) {
      spdlog::debug("heartbeat on the topic refused: {}", outcome.error.message());
    } else {
      spdlog::debug("heartbeat on the topic refused: token {} reports another player",
                    item.publisher_id);
    }
  }
}

// The heartbeats of one read, recorded concurrently (one backend round trip for all of them,
// not one each: a big audience is thousands a second), at most kIntakeInFlight at once, and
// each player's in order: a player seen twice in the read waits for its first to be recorded
// (its totals build on it).
constexpr std::size_t kIntakeInFlight = 512;

struct IntakeBatch {
  explicit IntakeBatch(const asio::any_io_executor& ex) : wake(ex) {}
  std::size_t in_flight = 0;
  asio::steady_timer wake;
  std::set<std::string, std::less<>> players;  // recorded or in flight in this read

  // Waits until fewer than `n` are in flight (the state loop: no lock).
  asio::awaitable<void> below(std::size_t n) {
    while (in_flight >= n) {
      wake.expires_at(asio::steady_timer::time_point::max());
      auto [ec] = co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
      (void)ec;
      if ((co_await asio::this_coro::cancellation_state).cancelled() !=
          asio::cancellation_type::none)
        co_return;
    }
  }
};

}  // namespace

asio::awaitable<void> run_topic_intake(Services& s) {
  store::SubscribePosition position;
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    store::result<std::vector<store::SubscriptionEvent>> events;
    std::exception_ptr thrown;  // co_await is not allowed inside a catch block
    try {
      events =
          co_await s.store.topic_poll(s.config.heartbeat_topic, position, milliseconds(30'000));
    } catch (...) {
      thrown = std::current_exception();
    }
    if (thrown) {
      // Cancelled (the service is stopping): the poll's parts may throw as they unwind.
      const auto cs = co_await asio::this_coro::cancellation_state;
      if (cs.cancelled() != asio::cancellation_type::none) co_return;
      std::rethrow_exception(thrown);
    }
    if (events.has_error()) {
      spdlog::warn("reading the heartbeat topic failed: {}", events.error().message());
      if (!co_await sleep_for(milliseconds(1000))) co_return;
      continue;
    }
    if (events->empty()) {
      // A timeout, or the store stopping (then this task is cancelled during the pause).
      if (!co_await sleep_for(milliseconds(10))) co_return;
      continue;
    }
    auto batch = std::make_shared<IntakeBatch>(executor);
    for (const auto& event : *events) {
      const auto* item = std::get_if<store::TopicItem>(&event);
      if (!item || item->value.binary) continue;
      // Parsed here, recorded on the player's shard (on a remote backend: the one shard, this
      // loop).
      auto parsed = core::parse_heartbeat(item->value.data);
      if (parsed) {
        if (batch->players.contains(parsed->player_id)) {
          co_await batch->below(1);
          batch->players.clear();
        }
        batch->players.insert(parsed->player_id);
      }
      co_await batch->below(kIntakeInFlight);
      ++batch->in_flight;
      asio::co_spawn(
          executor, record_from_topic(s, *item, std::move(parsed)), [batch](std::exception_ptr e) {
            --batch->in_flight;
            batch->wake.cancel();
            if (e) {
              try {
                std::rethrow_exception(e);
              } catch (const std::exception& ex) {
                spdlog::error("recording a heartbeat from the topic failed: {}", ex.what());
              }
            }
          });
    }
    co_await batch->below(1);  // the next read may hold these players again
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      co_return;
    position = store::next_position(position, *events);
  }
}

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

asio::awaitable<void> run_pruner(Services& s) {
  FailureLog failures("pruning players");  // the backend down: once, not every second
  while (co_await sleep_for(milliseconds(1000))) {
    auto removed = co_await s.audience.prune();
    if (removed.has_error()) {
      failures.failed(removed.error());
      continue;
    }
    failures.succeeded();
    if (*removed > 0) {
      s.stats.players_pruned += *removed;
      spdlog::info("removed {} players not seen within the retention", *removed);
    }
  }
}

namespace {

// Publishes `metrics` on `feed` when it changed (its time left out) or a second after the last.
void publish_on_change(DashboardFeed& feed, std::string& last_shape, core::EpochMs& last_push,
                       core::DashboardMetrics metrics, core::EpochMs now) {
  metrics.generated_at = 0;
  std::string shape = core::to_json_text(metrics);
  if (shape != last_shape || now - last_push >= 1000) {
    metrics.generated_at = now;
    feed.publish(core::to_json_text(metrics));
    last_shape = std::move(shape);
    last_push = now;
  }
}

// Per stream (issue 15, part 4), once a tick: each catalog stream's history (from the per stream
// sums of Audience::stream_figures, O(streams with players) per shard, as the count publisher
// reads them), and the dashboard of each stream someone watches, computed for those only.
asio::awaitable<void> update_streams(Services& s, core::EpochMs now) {
  LiveDashboard& live = *s.live;
  const core::StreamCatalog& catalog = *s.streams;
  const auto in_catalog = [&catalog](const std::string& id) { return catalog.find(id) != nullptr; };
  const bool several = catalog.size() > 1;
  if (several) {
    const auto figures = co_await s.audience.stream_figures();
    // Copied after the wait: the catalog may have changed meanwhile.
    const std::string default_id = catalog.default_stream().id;
    std::map<std::string, std::uint64_t> actives;
    std::uint64_t others = 0;
    for (const auto& [id, f] : figures) {
      if (id == default_id || !in_catalog(id)) continue;
      actives[id] = f.active;
      others += f.active;
    }
    // The default stream's: the whole audience's less the others' (as GET /api/streams says).
    const std::uint64_t whole = live.latest ? live.latest->active : 0;
    actives[default_id] = whole > others ? whole - others : 0;
    live.record_streams(now, actives, in_catalog);
  } else {
    live.stream_histories.clear();  // the default stream alone: its history is the whole one
  }
  std::vector<std::string> watched;
  for (auto it = live.stream_feeds.begin(); it != live.stream_feeds.end();) {
    if (!in_catalog(it->first) || it->second.feed.subscribers() == 0) {
      it->second.feed.close();  // a removed stream's dashboards end
      it = live.stream_feeds.erase(it);
    } else {
      watched.push_back(it->first);
      ++it;
    }
  }
  for (const auto& id : watched) {
    std::optional<core::DashboardMetrics> metrics;
    if (several) {
      metrics = co_await s.audience.stream_dashboard(id);
    } else {
      metrics = live.latest;  // the default stream alone: the whole audience's
    }
    auto it = live.stream_feeds.find(id);  // again: the wait may have let it go
    if (!metrics || it == live.stream_feeds.end()) continue;
    metrics->generated_at = now;
    publish_on_change(it->second.feed, it->second.last_shape, it->second.last_push,
                      std::move(*metrics), now);
  }
}

}  // namespace

asio::awaitable<void> run_dashboard_feed(Services& s) {
  LiveDashboard& live = *s.live;
  std::string last_shape;  // the last update without its time, to publish on change
  core::EpochMs last_push = 0, last_save = 0;
  try {
    while (co_await sleep_for(milliseconds(250))) {
      auto metrics = co_await s.audience.dashboard();
      if (metrics.has_error()) {
        ++s.stats.dashboard_feed_errors;
        continue;
      }
      const core::EpochMs now = metrics->generated_at;
      live.history.record(now, metrics->active);
      live.latest = *metrics;
      publish_on_change(live.feed, last_shape, last_push, std::move(*metrics), now);
      if (s.streams) co_await update_streams(s, now);
      if (!live.history_file.empty() && live.file_executor && now - last_save >= 10'000) {
        last_save = now;
        std::string text = live.history.to_json(now);
        std::string problem;
        const auto& file = live.history_file;
        auto failure = co_await persist::run_blocking(
            *live.file_executor,
            [&file, &text, &problem] { problem = persist::write_history_file(file, text); });
        if (!failure.empty() || !problem.empty())
          spdlog::warn("saving the viewer history failed: {}{}", failure, problem);
      }
    }
  } catch (const boost::system::system_error&) {
    // Cancelled inside a backend call: the service is stopping.
  }
  live.feed.close();
  live.close_streams();
  if (!live.history_file.empty()) {
    // At a stop, once, on this thread: the file is small and nothing else is left to serve.
    if (auto problem =
            persist::write_history_file(live.history_file, live.history.to_json(s.clock.now_ms()));
        !problem.empty())
      spdlog::warn("saving the viewer history failed: {}", problem);
  }
}

}  // namespace streampulse::service
