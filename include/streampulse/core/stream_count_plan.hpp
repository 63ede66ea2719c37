#pragma once
// Which streams' counts to publish now (issue 15, part 2): the calm-count rules of
// core/count_policy.hpp per stream, under one publish budget for the whole instance, so that a
// thousand streams of ten viewers never mean a thousand publishes a tick.
//
// - Each stream with players (or whose last published count was not 0 yet) has its own
//   CountPolicy: it settles dips, publishes on change, and keeps alive once a second.
// - A stream whose count has gone to 0 and was published as 0 is forgotten: streams nobody
//   watches cost nothing.
// - The budget is a token bucket (`max_publishes_per_s`, a burst of a tenth of it, at least
//   one): what it cannot take now waits for a later tick. Changes go before keepalives, and each
//   kind round-robin from where the last tick stopped, so no stream starves.
//
// The default stream is not planned here (the publisher keeps its own policy, with the stall
// guard and the join wake-up). Pure: the clock is passed in.
#include "streampulse/core/count_policy.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace streampulse::core {

struct StreamPublish {
  std::string stream_id;
  std::uint64_t count = 0;
};

class PublishBudget {
 public:
  explicit PublishBudget(std::uint64_t per_s = 200);
  // True, taking one publish, when the budget allows one at `now`.
  bool take(EpochMs now);
  std::uint64_t per_s() const { return per_s_; }

 private:
  void refill(EpochMs now);
  std::uint64_t per_s_;
  double burst_, tokens_;
  EpochMs last_ = 0;
};

class StreamCountPlan {
 public:
  StreamCountPlan(CountPolicySettings settings, std::uint64_t max_publishes_per_s);

  // The active counts of the streams at `now` (a stream absent has none): the publishes due now
  // within the budget. Call published() for each one carried out.
  std::vector<StreamPublish> observe(const std::map<std::string, std::uint64_t>& active,
                                     EpochMs now);
  void published(const std::string& stream_id, std::uint64_t count, EpochMs now);
  // Forgets every stream (the instance lost the count duty).
  void reset() { streams_.clear(); }

  std::size_t streams_planned() const { return streams_.size(); }
  std::uint64_t deferred() const { return deferred_; }  // publishes the budget put off

 private:
  struct Planned {
    CountPolicy policy;
    std::optional<std::uint64_t> last;  // the last count published
  };
  CountPolicySettings settings_;
  PublishBudget budget_;
  std::map<std::string, Planned> streams_;
  std::string resume_after_;  // round-robin: where the last tick stopped
  std::uint64_t deferred_ = 0;
};

}  // namespace streampulse::core
