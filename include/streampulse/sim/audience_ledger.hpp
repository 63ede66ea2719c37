#pragma once
// The simulator's bookkeeping of what its viewers see against what is true. Pure: times are
// milliseconds on any monotonic clock, passed in; no sockets, no timers.
//
// The true audience at time t: viewers admitted (a heartbeat answered 2xx) whose last answered
// heartbeat is at most `active_window_ms` old, the server's own rule (--active-window-ms). So a
// join counts from its first 2xx heartbeat, and a leave from the moment it leaves the server's
// active window: its last answered heartbeat + the window.
//
// Accuracy: sample() compares, for each sampled viewer (up to `sample_size` subscribed viewers)
// that is watching, the count it last saw with the true audience: within 0.5 % of it (the
// tolerance), exactly equal, and min and max seen. A sample is steady after the warm-up and
// outside [announce, effective + quiet] of every churn event; any steady sample that is not
// exact is a mismatch (--expect-exact).
//
// Freshness: a churn event (a join or a leave) has an effective time and the true audience
// right after it. A sampled viewer resolves the event at the first count it is delivered that
// equals that audience; freshness is that delivery time minus the effective time (0 when it
// came earlier, counted as early). Viewers that never resolved an event by the next one (or the
// end, if the event is older than the quiet time by then) are counted as unresolved.
#include "streampulse/sim/simulator.hpp"  // LatencyHistogram

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace streampulse::sim {

struct LedgerOptions {
  std::int64_t active_window_ms = 1500;
  std::int64_t warmup_ms = 5000;
  std::int64_t quiet_ms = 2500;  // after a churn event, not steady
  double tolerance = 0.005;      // accuracy: |seen - true| <= tolerance * true
  std::size_t sample_size = 500;
};

struct Mismatch {
  std::int64_t at_ms = 0;  // since start
  std::size_t viewer = 0;
  std::int64_t seen = -1;  // -1: no count seen yet
  std::int64_t truth = 0;
};

struct AccuracyFigures {
  std::uint64_t samples = 0, within = 0, exact = 0, unseen = 0;
  std::int64_t min_seen = -1, max_seen = -1;
  std::uint64_t steady_samples = 0, steady_within = 0, steady_mismatches = 0;
  std::vector<Mismatch> first_mismatches;  // the first few steady ones
};

struct FreshnessFigures {
  std::uint64_t events = 0, joins = 0, leaves = 0;
  std::uint64_t resolved = 0, early = 0, unresolved = 0;
  LatencyHistogram latency;  // ms recorded as microseconds * 1000
  double max_ms = 0;
};

class AudienceLedger {
 public:
  AudienceLedger(LedgerOptions options, std::int64_t start_ms);

  // A new viewer; returns its id (0, 1, 2...). Subscribed viewers may be sampled. A churn
  // joiner's first answered heartbeat is a join event; the first audience's are not.
  // `stream`: the stream it watches (--streams; 0 without): its count is checked against that
  // stream's true audience only.
  std::size_t add_viewer(bool subscribed, bool churn_join = false, std::size_t stream = 0);
  void heartbeat_ok(std::size_t id, std::int64_t now_ms);
  // The viewer stops heartbeating (and polling) now.
  void leave(std::size_t id, std::int64_t now_ms);
  // A count delivered to the viewer (an item on the count topic).
  void delivered(std::size_t id, std::int64_t count, std::int64_t now_ms);
  // A topic item seen by anyone: publishes are the distinct sequence numbers, of each stream's
  // count topic (`stream`: the viewer's, stream_of).
  void topic_item(std::uint64_t page, std::uint64_t sequence_number, std::size_t stream = 0);
  std::size_t stream_of(std::size_t id) const { return viewers_[id].stream; }
  // One accuracy sample over the sampled viewers; also integrates subscribed viewer-time.
  void sample(std::int64_t now_ms);
  // Closes the books: the last event's unresolved viewers, if it is old enough.
  void finish(std::int64_t now_ms);

  std::int64_t true_audience(std::int64_t now_ms) const;  // every stream's viewers
  std::int64_t true_audience_of(std::size_t stream, std::int64_t now_ms) const;
  bool watching(std::size_t id, std::int64_t now_ms) const;
  bool steady(std::int64_t now_ms) const;
  // Past the warm-up (whatever the churn): latencies from here on are the steady state's.
  bool warmed_up(std::int64_t now_ms) const { return now_ms - start_ms_ >= options_.warmup_ms; }

  const AccuracyFigures& accuracy() const { return accuracy_; }
  const FreshnessFigures& freshness() const { return freshness_; }
  std::uint64_t deliveries() const { return deliveries_; }
  std::uint64_t publishes() const { return publishes_; }
  double subscribed_viewer_seconds() const { return viewer_ms_ / 1000.0; }
  std::size_t viewers() const { return viewers_.size(); }

 private:
  struct ViewerState {
    bool subscribed = false, churn_join = false, admitted = false, left = false, sampled = false;
    std::int64_t last_ok_ms = 0;
    std::int64_t seen = -1;
    std::uint64_t resolved_event = 0;
    std::size_t stream = 0;
  };
  struct Event {
    std::uint64_t id = 0;  // 1, 2, ...; 0: none yet
    std::int64_t effective_ms = 0;
    std::int64_t audience = 0;
    std::size_t subject = 0;
    std::size_t stream = 0;  // the subject's: only its viewers see the change
    std::uint64_t resolved = 0, expected = 0;
  };
  void announce(std::size_t subject, std::int64_t effective_ms, std::int64_t audience,
                std::int64_t now_ms, bool join);
  void close_event(std::int64_t now_ms, bool at_end);

  LedgerOptions options_;
  std::int64_t start_ms_;
  std::vector<ViewerState> viewers_;
  std::vector<std::size_t> sampled_;  // ids
  Event event_;
  std::int64_t quiet_until_ms_ = 0;
  std::int64_t last_sample_ms_ = -1;
  double viewer_ms_ = 0;
  std::uint64_t deliveries_ = 0, publishes_ = 0;
  struct Topic {
    std::uint64_t page = 0, max_sequence = 0;
    bool any_item = false;
  };
  std::vector<Topic> topics_;  // by stream
  AccuracyFigures accuracy_;
  FreshnessFigures freshness_;
};

}  // namespace streampulse::sim
