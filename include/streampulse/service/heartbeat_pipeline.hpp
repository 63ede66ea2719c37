#pragma once
// One path for every heartbeat, whichever way it arrived (webhook, topic, CMCD): validate,
// check the publisher's binding (one viewer token, one player: core/player_bindings.hpp), then
// run the registry's actions. Invalid or refused input changes no state. One per audience shard
// (service/audience.hpp), used on that shard's loop only.
#include "streampulse/core/player_bindings.hpp"
#include "streampulse/core/recent_messages.hpp"
#include "streampulse/core/viewer_registry.hpp"
#include "streampulse/service/stats.hpp"

#include <chrono>

namespace streampulse::service {

struct HeartbeatOutcome {
  // refused: a bound said no and nothing changed. Either the token is bound to another player
  // (or the binding table is full): `refusal` says which; or a new player came past the cap
  // on players tracked: `error` is errc::too_many_players and `refusal` is ok.
  // unknown_stream: its streamId is not in the catalog (400); wrong_stream: its token is
  // scoped to another stream (403). Both change nothing; `problem` says why.
  enum class Kind {
    accepted,
    duplicate,
    invalid,
    refused,
    failed,
    unknown_stream,
    wrong_stream
  } kind = Kind::accepted;
  core::InvalidHeartbeat problem;                     // for invalid and the stream refusals
  boost::system::error_code error;                    // for failed, and refused by the cap
  core::BindVerdict refusal = core::BindVerdict::ok;  // for refused by the token binding
};

class HeartbeatPipeline {
 public:
  // deduplicate: remember recent topic messages, for when each arrives twice (webhook and
  // subscription both on).
  HeartbeatPipeline(core::ViewerRegistry& registry, Stats& stats, const core::Clock& clock,
                    bool deduplicate = false, core::PlayerBindings::Settings bindings = {})
      : registry_(registry),
        stats_(stats),
        clock_(clock),
        deduplicate_(deduplicate),
        bindings_(bindings) {}

  // `token_id`: the publisher's viewer token id, to which the heartbeat's player must be bound;
  // empty for the operator's own credential (trusted).
  store::awaitable<HeartbeatOutcome> accept(std::string_view text, std::string_view token_id);

  // A heartbeat that came as a topic message (by webhook or by subscription): with
  // deduplication on, a message already seen is acknowledged as `duplicate` and not recorded.
  store::awaitable<HeartbeatOutcome> accept_message(std::uint64_t sequence_number,
                                                    std::string_view text,
                                                    std::string_view token_id);

  // accept and accept_message for a heartbeat already parsed (core::parse_heartbeat(text)),
  // which the intakes do on the connection's thread before the hop to the player's shard.
  using Parsed = boost::system::result<core::Heartbeat, core::InvalidHeartbeat>;
  // `expires_at`: the token's expiry when known (its binding lives as long); 0: the lifetime.
  store::awaitable<HeartbeatOutcome> accept_parsed(Parsed parsed, std::string_view token_id,
                                                   core::EpochMs expires_at = 0);
  // `write_store` false: recorded in this instance's index only (ViewerRegistry::record).
  store::awaitable<HeartbeatOutcome> accept_parsed_message(std::uint64_t sequence_number,
                                                           std::string_view text, Parsed parsed,
                                                           std::string_view token_id,
                                                           core::EpochMs expires_at = 0,
                                                           bool write_store = true);

  // Binds a token to a player ahead of the heartbeat (the embedded publish and CMCD check at
  // once, so the player sees the refusal); counts a refusal. `expires_at`: the token's expiry
  // when known (0: the bindings' lifetime).
  core::BindVerdict bind(std::string_view token_id, std::string_view player_id,
                         core::EpochMs expires_at = 0);
  const core::PlayerBindings& bindings() const { return bindings_; }

 private:
  core::ViewerRegistry& registry_;
  Stats& stats_;
  const core::Clock& clock_;
  bool deduplicate_;
  store::awaitable<HeartbeatOutcome> record(Parsed parsed, std::string_view token_id,
                                            std::chrono::steady_clock::time_point started,
                                            core::EpochMs expires_at, bool write_store = true);

  core::RecentMessages recent_;
  core::PlayerBindings bindings_;
};

}  // namespace streampulse::service
