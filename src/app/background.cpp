#include "streampulse/app/background.hpp"

#include "streampulse/core/count_coalescer.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace streampulse::app {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// Sleeps; false when the wait was cancelled (the service is stopping).
asio::awaitable<bool> sleep_for(milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

}  // namespace

asio::awaitable<void> run_count_publisher(Services& s) {
  core::CountCoalescer coalescer;
  const milliseconds tick(s.config.count_tick_ms);
  while (co_await sleep_for(tick)) {
    auto count = co_await s.registry.active_count();
    if (count.has_error()) {
      ++s.stats.count_publish_errors;
      continue;
    }
    const auto now = s.clock.now_ms();
    if (!coalescer.should_publish(*count, now)) continue;
    store::TopicValue value{false, std::to_string(*count)};  // named: see api/topics.cpp
    auto published = co_await s.store.topic_publish(s.config.viewer_count_topic, std::move(value),
                                                    "streampulse");
    if (published.has_error()) {
      ++s.stats.count_publish_errors;
      spdlog::warn("publishing the viewer count failed: {}", published.error().message());
      continue;
    }
    coalescer.published(*count, now);
    ++s.stats.count_publishes;
    s.stats.last_published_count = *count;
  }
}

asio::awaitable<void> run_topic_intake(Services& s) {
  store::SubscribePosition position;
  for (;;) {
    auto events =
        co_await s.store.topic_poll(s.config.heartbeat_topic, position, milliseconds(30'000));
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
    for (const auto& e : *events) {
      const auto* item = std::get_if<store::TopicItem>(&e);
      if (!item || item->value.binary) continue;
      auto outcome = co_await s.pipeline.accept(item->value.data);
      if (outcome.kind == HeartbeatOutcome::Kind::invalid)
        spdlog::debug("heartbeat on the topic refused: {}", outcome.problem.message);
    }
    position = store::next_position(position, *events);
  }
}

asio::awaitable<void> run_pruner(Services& s) {
  while (co_await sleep_for(milliseconds(1000))) {
    auto removed = co_await s.registry.prune();
    if (removed.has_error()) {
      spdlog::warn("pruning players failed: {}", removed.error().message());
    } else if (*removed > 0) {
      s.stats.players_pruned += *removed;
      spdlog::info("removed {} players not seen within the retention", *removed);
    }
  }
}

}  // namespace streampulse::app
