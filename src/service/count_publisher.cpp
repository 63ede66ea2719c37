// run_count_publisher (background.hpp): publishes the viewer count on the count topic, and the
// other streams' counts (viewerCount-<id>), while this instance holds the count duty.
#include "streampulse/service/background.hpp"

#include "background_support.hpp"
#include "streampulse/core/count_policy.hpp"
#include "streampulse/core/stream_count_plan.hpp"
#include "streampulse/core/stream_ids.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>

namespace streampulse::service {

namespace asio = boost::asio;
using detail::FailureLog;
using detail::stopping;
using std::chrono::milliseconds;

namespace {

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
    if (co_await stopping()) co_return;
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

}  // namespace streampulse::service
