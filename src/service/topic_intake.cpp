// run_topic_intake (background.hpp): reads the heartbeats players publish on the heartbeat
// topic and records them, many at once, each player's in order.
#include "streampulse/service/background.hpp"

#include "background_support.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <memory>
#include <set>

namespace streampulse::service {

namespace asio = boost::asio;
using detail::sleep_for;
using detail::stopping;
using std::chrono::milliseconds;

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
      if (co_await stopping()) co_return;
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
      if (co_await stopping()) co_return;
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
    if (co_await stopping()) co_return;
    position = store::next_position(position, *events);
  }
}

}  // namespace streampulse::service
