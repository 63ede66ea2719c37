#include "streampulse/app/heartbeat_pipeline.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace streampulse::app {

store::awaitable<HeartbeatOutcome> HeartbeatPipeline::accept(std::string_view text) {
  const auto started = std::chrono::steady_clock::now();
  auto hb = core::parse_heartbeat(text);
  if (!hb) {
    ++stats_.heartbeats_invalid;
    ++stats_.heartbeats_invalid_by_field[hb.error().field.empty() ? "body" : hb.error().field];
    co_return HeartbeatOutcome{HeartbeatOutcome::Kind::invalid, hb.error(), {}};
  }
  auto recorded = co_await registry_.record(*hb);
  if (recorded.has_error()) {
    ++stats_.heartbeats_failed;
    spdlog::warn("heartbeat of {} not recorded: {}", hb->player_id, recorded.error().message());
    co_return HeartbeatOutcome{HeartbeatOutcome::Kind::failed, {}, recorded.error()};
  }
  ++stats_.heartbeats_accepted;
  stats_.heartbeat_latency.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return HeartbeatOutcome{};
}

store::awaitable<HeartbeatOutcome> HeartbeatPipeline::accept_message(std::uint64_t sequence_number,
                                                                     std::string_view text) {
  if (deduplicate_ && !recent_.first_sighting(sequence_number, text)) {
    ++stats_.heartbeats_duplicate;
    co_return HeartbeatOutcome{HeartbeatOutcome::Kind::duplicate, {}, {}};
  }
  co_return co_await accept(text);
}

}  // namespace streampulse::app
