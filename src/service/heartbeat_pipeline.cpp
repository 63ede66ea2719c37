#include "streampulse/service/heartbeat_pipeline.hpp"

#include "streampulse/core/error.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace streampulse::service {

store::awaitable<HeartbeatOutcome> HeartbeatPipeline::accept(std::string_view text,
                                                             std::string_view token_id) {
  const auto started = std::chrono::steady_clock::now();
  co_return co_await record(core::parse_heartbeat(text), token_id, started, 0);
}

store::awaitable<HeartbeatOutcome> HeartbeatPipeline::accept_parsed(Parsed parsed,
                                                                    std::string_view token_id,
                                                                    core::EpochMs expires_at) {
  const auto started = std::chrono::steady_clock::now();
  co_return co_await record(std::move(parsed), token_id, started, expires_at);
}

store::awaitable<HeartbeatOutcome> HeartbeatPipeline::accept_message(std::uint64_t sequence_number,
                                                                     std::string_view text,
                                                                     std::string_view token_id) {
  co_return co_await accept_parsed_message(sequence_number, text, core::parse_heartbeat(text),
                                           token_id);
}

store::awaitable<HeartbeatOutcome> HeartbeatPipeline::accept_parsed_message(
    std::uint64_t sequence_number, std::string_view text, Parsed parsed, std::string_view token_id,
    core::EpochMs expires_at, bool write_store) {
  const auto started = std::chrono::steady_clock::now();
  if (deduplicate_ && !recent_.first_sighting(sequence_number, text)) {
    ++stats_.heartbeats_duplicate;
    co_return HeartbeatOutcome{HeartbeatOutcome::Kind::duplicate, {}, {}};
  }
  co_return co_await record(std::move(parsed), token_id, started, expires_at, write_store);
}

core::BindVerdict HeartbeatPipeline::bind(std::string_view token_id, std::string_view player_id,
                                          core::EpochMs expires_at) {
  const auto verdict = bindings_.bind(token_id, player_id, clock_.now_ms(), expires_at);
  if (verdict == core::BindVerdict::mismatch) ++stats_.reports_refused_player_mismatch;
  if (verdict == core::BindVerdict::full) ++stats_.reports_refused_bindings_full;
  return verdict;
}

store::awaitable<HeartbeatOutcome> HeartbeatPipeline::record(
    Parsed parsed, std::string_view token_id, std::chrono::steady_clock::time_point started,
    core::EpochMs expires_at, bool write_store) {
  if (!parsed) {
    const auto& problem = parsed.error();
    ++stats_.heartbeats_invalid;
    stats_.count_invalid_field(problem.field.empty() ? "body" : problem.field);
    co_return HeartbeatOutcome{HeartbeatOutcome::Kind::invalid, problem, {}};
  }
  // Bound before the writes (a concurrent report of the token, on a remote backend, then sees
  // it), and unbound again when the cap on players refuses this heartbeat: a refusal changes
  // nothing. (A backend failure keeps it: the player may be counted already.)
  const bool new_binding = !token_id.empty() && !bindings_.contains(token_id);
  if (const auto verdict = bind(token_id, parsed->player_id, expires_at);
      verdict != core::BindVerdict::ok) {
    HeartbeatOutcome refused{HeartbeatOutcome::Kind::refused, {}, {}};
    refused.refusal = verdict;
    co_return refused;
  }
  auto recorded = co_await registry_.record(*parsed, write_store);
  if (recorded.has_error() && recorded.error() == errc::too_many_players) {
    if (new_binding) bindings_.unbind(token_id);
    // Counted by the registry; not logged: a flood of made-up players would flood the log.
    co_return HeartbeatOutcome{HeartbeatOutcome::Kind::refused, {}, recorded.error()};
  }
  if (recorded.has_error()) {
    ++stats_.heartbeats_failed;
    spdlog::warn("heartbeat of {} not recorded: {}", parsed->player_id, recorded.error().message());
    co_return HeartbeatOutcome{HeartbeatOutcome::Kind::failed, {}, recorded.error()};
  }
  ++stats_.heartbeats_accepted;
  stats_.observe_heartbeat(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return HeartbeatOutcome{};
}

}  // namespace streampulse::service
