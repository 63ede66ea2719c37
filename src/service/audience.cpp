// The audience's intake, over its shards: a heartbeat or a token bound on the player's shard,
// the stream checks, the restore of players, and pruning. Its figures: audience_figures.cpp.
#include "streampulse/service/audience.hpp"

#include "streampulse/core/error.hpp"

#include <algorithm>
#include <functional>
#include <string>

namespace streampulse::service {

namespace asio = boost::asio;
using store::result;

Audience::Audience(std::vector<std::unique_ptr<AudienceShard>> shards, const core::Clock& clock)
    : shards_(std::move(shards)), clock_(clock) {
  // Before any loop runs: each registry calls the one observer slot, which the count publisher
  // fills later from its own thread (hence the lock).
  for (auto& sh : shards_) {
    sh->registry->set_join_observer([joins = joins_] {
      std::lock_guard lock(joins->mutex);
      if (joins->observer) joins->observer();
    });
  }
}

void Audience::set_join_observer(std::function<void()> observer) {
  std::lock_guard lock(joins_->mutex);
  joins_->observer = std::move(observer);
}

void Audience::set_streams(std::shared_ptr<const core::StreamIds> ids, core::StreamTagger tag) {
  stream_ids_ = std::move(ids);
  stream_tag_ = std::move(tag);
}

std::optional<HeartbeatOutcome> Audience::check_stream(core::Heartbeat& hb,
                                                       std::string_view token_id, bool* several,
                                                       bool* is_default) const {
  if (!stream_ids_) return std::nullopt;
  const auto ids = stream_ids_->current();  // one pointer copy under the holder's mutex
  if (several) *several = ids->ids.size() > 1;
  if (is_default) *is_default = hb.stream_id.empty() || hb.stream_id == ids->default_id;
  const std::string* stream = core::resolve_stream(*ids, hb.stream_id);
  if (!stream) {
    HeartbeatOutcome refused{HeartbeatOutcome::Kind::unknown_stream, {}, {}};
    refused.problem = {"streamId",
                       "no stream '" + hb.stream_id + "' (GET /api/streams lists them)"};
    return refused;
  }
  if (!core::token_allows_stream(token_id, *stream, ids->default_id, stream_tag_)) {
    HeartbeatOutcome refused{HeartbeatOutcome::Kind::wrong_stream, {}, {}};
    refused.problem = {"streamId",
                       "this token is for another stream: it reports heartbeats of "
                       "its own stream only (fetch /api/player-config?stream=" +
                           *stream + ")"};
    return refused;
  }
  hb.stream_id = *stream;
  return std::nullopt;
}

core::ViewerRegistry::LoadedPlayer Audience::activity_restorer(AudienceShard& sh) const {
  if (!stream_ids_) return {};
  auto ids = stream_ids_->current();
  if (ids->ids.size() <= 1) return {};
  return [&sh, ids = std::move(ids)](const core::Heartbeat& hb, core::EpochMs last_seen) {
    const std::string* stream = core::resolve_stream(*ids, hb.stream_id);
    if (!stream) return;  // removed since: counted under the default stream
    core::Heartbeat restored = hb;
    restored.stream_id = *stream;
    sh.activity.seen(restored, last_seen);
  };
}

std::size_t Audience::shard_of(std::string_view id) const {
  if (shards_.size() == 1) return 0;
  return std::hash<std::string_view>{}(id) % shards_.size();
}

asio::awaitable<HeartbeatOutcome> Audience::accept(HeartbeatPipeline::Parsed parsed,
                                                   std::string text, std::string token_id,
                                                   std::uint64_t sequence_number,
                                                   core::EpochMs expires_at, FirstCheck first,
                                                   bool write_store) {
  // An invalid heartbeat has no player: shard 0 counts it, like any other refusal.
  // With the default stream alone in the catalog its figures are the whole audience's, and
  // the per-stream activity (a second index per heartbeat) is not kept: the single-stream
  // service pays nothing for streams (docs/benchmarks.md, "Audience").
  bool several = false, is_default = true;
  if (parsed) {
    if (auto refused = check_stream(*parsed, token_id, &several, &is_default))
      co_return std::move(*refused);
  }
  const bool track = several;
  const std::size_t home = parsed ? shard_of(parsed->player_id) : 0;
  if (parsed && !token_id.empty() && shard_of(core::token_player_part(token_id)) != home) {
    // The token's binding lives on the token's shard. A viewer's token id is its player id, so
    // this second hop is for odd tokens only.
    const auto verdict = co_await bind(token_id, parsed->player_id, expires_at);
    if (verdict != core::BindVerdict::ok) {
      HeartbeatOutcome refused{HeartbeatOutcome::Kind::refused, {}, {}};
      refused.refusal = verdict;
      co_return refused;
    }
    token_id.clear();  // bound: the player's shard records it as the token's
  }
  co_return co_await on_shard<HeartbeatOutcome>(
      home, [&](AudienceShard& sh) -> asio::awaitable<HeartbeatOutcome> {
        if (first && !first(sh))
          co_return HeartbeatOutcome{HeartbeatOutcome::Kind::duplicate, {}, {}};
        if (parsed) {
          // Past the cap, a new player changes nothing, its token's binding included.
          if (sh.registry->would_refuse(parsed->player_id)) {
            sh.registry->count_refusal();
            co_return HeartbeatOutcome{
                HeartbeatOutcome::Kind::refused, {}, make_error_code(errc::too_many_players)};
          }
        }
        // Kept for the stream's figures: the pipeline takes the heartbeat.
        std::optional<core::Heartbeat> kept;
        if (parsed && track) kept = *parsed;
        // Stored with its stream (restored under it after a restart), but for the default's.
        if (parsed && is_default) parsed->stream_id.clear();
        HeartbeatOutcome outcome;
        if (sequence_number == 0) {
          outcome = co_await sh.pipeline->accept_parsed(std::move(parsed), token_id, expires_at);
        } else {
          outcome = co_await sh.pipeline->accept_parsed_message(
              sequence_number, text, std::move(parsed), token_id, expires_at, write_store);
        }
        if (outcome.kind == HeartbeatOutcome::Kind::accepted && kept)
          sh.activity.seen(*kept, clock_.now_ms());
        co_return outcome;
      });
}

asio::awaitable<core::BindVerdict> Audience::bind(std::string token_id, std::string player_id,
                                                  core::EpochMs expires_at) {
  const std::size_t i = shard_of(token_id.empty() ? player_id : core::token_player_part(token_id));
  co_return co_await on_shard<core::BindVerdict>(
      i, [&](AudienceShard& sh) -> asio::awaitable<core::BindVerdict> {
        co_return sh.pipeline->bind(token_id, player_id, expires_at);
      });
}

asio::awaitable<result<std::size_t>> Audience::prune() {
  std::size_t removed = 0;
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    auto part = co_await on_shard<result<std::size_t>>(
        i, [this](AudienceShard& sh) -> asio::awaitable<result<std::size_t>> {
          auto pruned = co_await sh.registry->prune();
          // The streams' figures follow the registry: its retention, its evictions.
          const core::EpochMs cutoff = clock_.now_ms() - sh.registry->settings().retention_ms;
          const auto& index = sh.registry->index();
          sh.activity.prune(cutoff, [&index](const std::string& id) { return index.contains(id); });
          co_return pruned;
        });
    if (part.has_error()) co_return part.error();
    removed += *part;
  }
  co_return removed;
}

}  // namespace streampulse::service
