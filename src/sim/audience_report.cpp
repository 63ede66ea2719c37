// The audience's report: progress lines and the summary (stderr), the final JSON object, and
// the --expect-exact verdict.
#include "streampulse/sim/audience.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>

namespace streampulse::sim {

namespace json = boost::json;

namespace {

constexpr double kLagLimitMs = 50;  // past it, the figures are the simulator's

// The steady state's lag where there is one: the arrival of every viewer within one interval
// keeps any single process busy for a moment, which says nothing of the figures after it.
bool lag_too_high(const AudienceFigures& f) {
  const auto& lag = f.steady_lag.count() > 0 ? f.steady_lag : f.lag;
  return lag.percentile_ms(99) > kLagLimitMs;
}

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

double ratio(double part, double whole) { return whole > 0 ? part / whole : 0; }

unsigned long long ull(std::uint64_t x) { return static_cast<unsigned long long>(x); }

json::object counts(const std::map<std::string, std::uint64_t>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

json::object requests(const RequestCounters& c, bool latency = true) {
  json::object o{{"sent", c.sent},
                 {"ok", c.ok},
                 {"refused", c.refused},
                 {"failed", c.failed},
                 {"aborted", c.aborted},
                 {"refusals", counts(c.refusals)},
                 {"failures", counts(c.failures)}};
  if (latency) {  // a long-poll's time is the server's hold time: not a latency
    o["latencyMs"] = {{"p50", c.latency.percentile_ms(50)},
                      {"p99", c.latency.percentile_ms(99)},
                      {"max", c.max_ms}};
    o["steadyLatencyMs"] = {{"p50", c.steady_latency.percentile_ms(50)},
                            {"p99", c.steady_latency.percentile_ms(99)},
                            {"max", c.steady_max_ms}};
  }
  return o;
}

std::string by_key(const std::map<std::string, std::uint64_t>& m) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : ", ") + k + ": " + std::to_string(v);
  return out;
}

}  // namespace

void RequestCounters::latency_ms(double ms, bool warmed_up) {
  const std::chrono::microseconds us(static_cast<std::int64_t>(ms * 1000));
  latency.record(us);
  max_ms = std::max(max_ms, ms);
  if (warmed_up) {
    steady_latency.record(us);
    steady_max_ms = std::max(steady_max_ms, ms);
  }
}

void RequestCounters::refuse(unsigned status) {
  ++refused;
  ++refusals[std::to_string(status)];
}

void RequestCounters::fail(const std::string& reason) {
  ++failed;
  const bool known = failures.count(reason) > 0;
  ++failures[known || failures.size() < 32 ? reason : "other"];
}

std::string progress_line(const ReportInput& in, const AudienceFigures& prev, double interval_s) {
  const auto& f = in.figures;
  const auto& h = f.heartbeats;
  const auto& a = in.ledger.accuracy();
  const double dt = f.wall_s - prev.wall_s > 0 ? f.wall_s - prev.wall_s : interval_s;
  return format(
      "[%6.1fs] watching %zu | heartbeats %.0f/s, ok %llu refused %llu failed %llu, p50 %.2f "
      "p99 %.2f ms | deliveries %.2f/viewer/s, publishes %.1f/s | within 0.5%% %.1f%%, exact "
      "%.1f%% | lag p99 %.1f ms | cpu %.0f%%\n",
      f.wall_s, in.watching, static_cast<double>(h.sent - prev.heartbeats.sent) / dt, ull(h.ok),
      ull(h.refused), ull(h.failed), h.latency.percentile_ms(50), h.latency.percentile_ms(99),
      ratio(static_cast<double>(f.deliveries - prev.deliveries),
            f.viewer_seconds - prev.viewer_seconds),
      static_cast<double>(f.publishes - prev.publishes) / dt,
      100 * ratio(static_cast<double>(a.within), static_cast<double>(a.samples)),
      100 * ratio(static_cast<double>(a.exact), static_cast<double>(a.samples)),
      f.lag.percentile_ms(99), 100 * (f.cpu_s - prev.cpu_s) / dt);
}

std::string summary_text(const ReportInput& in) {
  const auto& f = in.figures;
  const auto& h = f.heartbeats;
  const auto& a = in.ledger.accuracy();
  const auto& fr = in.ledger.freshness();
  const std::uint64_t done = h.ok + h.refused + h.failed;
  // The first two lines keep the shape scripts/soak.sh reads.
  std::string s =
      format("summary: %.1f s, sent %llu, ok %llu, failed %llu (%.2f%%), refused %llu", f.wall_s,
             ull(h.sent), ull(h.ok), ull(h.failed),
             100 * ratio(static_cast<double>(h.failed), static_cast<double>(done)), ull(h.refused));
  s += format(", aborted at stop %llu\n", ull(h.aborted));
  s += format("  rate %.1f/s, latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              ratio(static_cast<double>(done), f.wall_s), h.latency.percentile_ms(50),
              h.latency.percentile_ms(99), h.max_ms);
  s += format(
      "  steady state (past the %.0f s warm-up): latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
      in.options.warmup_s, h.steady_latency.percentile_ms(50), h.steady_latency.percentile_ms(99),
      h.steady_max_ms);
  if (!h.refusals.empty()) s += "  heartbeats refused: " + by_key(h.refusals) + "\n";
  if (!h.failures.empty()) s += "  heartbeats failed: " + by_key(h.failures) + "\n";
  s += format("  configurations: %llu ok, %llu refused, %llu failed\n", ull(f.configs.ok),
              ull(f.configs.refused), ull(f.configs.failed));
  if (!f.configs.refusals.empty()) s += "    refused: " + by_key(f.configs.refusals) + "\n";
  if (!f.configs.failures.empty()) s += "    failed: " + by_key(f.configs.failures) + "\n";
  if (in.options.subscribe) {
    s += format(
        "  polls: %llu answered, %llu refused, %llu failed; %llu deliveries, %.2f per "
        "viewer per second; %llu publishes, %.2f/s\n",
        ull(f.polls.ok), ull(f.polls.refused), ull(f.polls.failed), ull(in.ledger.deliveries()),
        ratio(static_cast<double>(in.ledger.deliveries()), in.ledger.subscribed_viewer_seconds()),
        ull(in.ledger.publishes()), ratio(static_cast<double>(in.ledger.publishes()), f.wall_s));
    if (!f.polls.refusals.empty()) s += "    refused: " + by_key(f.polls.refusals) + "\n";
    if (!f.polls.failures.empty()) s += "    failed: " + by_key(f.polls.failures) + "\n";
    s += format(
        "  accuracy: %llu samples, within 0.5%% %.4f, exact %.4f, seen %lld..%lld, "
        "no count yet %llu; steady %llu samples, within 0.5%% %.4f, %llu differ\n",
        ull(a.samples), ratio(static_cast<double>(a.within), static_cast<double>(a.samples)),
        ratio(static_cast<double>(a.exact), static_cast<double>(a.samples)),
        static_cast<long long>(a.min_seen), static_cast<long long>(a.max_seen), ull(a.unseen),
        ull(a.steady_samples),
        ratio(static_cast<double>(a.steady_within), static_cast<double>(a.steady_samples)),
        ull(a.steady_mismatches));
    if (fr.events > 0) {
      s += format(
          "  freshness: %llu events (%llu joins, %llu leaves), %llu seen: p50 %.0f ms, "
          "p99 %.0f ms, max %.0f ms; %llu unresolved\n",
          ull(fr.events), ull(fr.joins), ull(fr.leaves), ull(fr.resolved),
          fr.latency.percentile_ms(50), fr.latency.percentile_ms(99), fr.max_ms,
          ull(fr.unresolved));
    }
  }
  s += format("  audience: %zu watching at the end, %llu joined, %llu left (churn)\n", in.watching,
              ull(f.joined), ull(f.left));
  s += format(
      "  simulator: cpu %.2f s (%.0f%% of one core), timer lag p50 %.2f ms, p99 %.2f "
      "ms, max %.1f ms, open-file limit %zu\n",
      f.cpu_s, 100 * ratio(f.cpu_s, f.wall_s), f.lag.percentile_ms(50), f.lag.percentile_ms(99),
      f.lag_max_ms, f.open_file_limit);
  s += format("  simulator past the warm-up: timer lag p50 %.2f ms, p99 %.2f ms\n",
              f.steady_lag.percentile_ms(50), f.steady_lag.percentile_ms(99));
  if (lag_too_high(f)) {
    s += format(
        "  WARNING: the simulator's timer lag p99 (past the warm-up) is over %.0f ms: the figures "
        "are the "
        "simulator's, not the server's (fewer players per process)\n",
        kLagLimitMs);
  }
  return s;
}

std::vector<std::string> exactness_failures(const ReportInput& in) {
  std::vector<std::string> why;
  const auto& h = in.figures.heartbeats;
  const auto& a = in.ledger.accuracy();
  if (h.ok == 0) why.push_back("no heartbeat was answered 2xx");
  if (h.failed > 0)
    why.push_back(std::to_string(h.failed) + " heartbeats failed (" + by_key(h.failures) + ")");
  if (h.refused > 0)
    why.push_back(std::to_string(h.refused) + " heartbeats refused (" + by_key(h.refusals) + ")");
  // A viewer without a configuration never heartbeats, so it is missing from the true audience
  // as well: count it here, or a service that refuses joins would look exact.
  const auto& c = in.figures.configs;
  if (c.failed + c.refused > 0) {
    why.push_back(std::to_string(c.failed + c.refused) +
                  " configuration requests failed or were refused (" +
                  by_key(c.failures.empty() ? c.refusals : c.failures) + ")");
  }
  const auto expected = in.options.players + in.figures.joined - in.figures.left;
  if (in.watching < expected) {
    why.push_back(
        "only " + std::to_string(in.watching) + " of " + std::to_string(expected) +
        " viewers were watching at the end (the others' last answered heartbeat was older than "
        "the active window: answers slower than window - interval, or refusals)");
  }
  if (!in.options.subscribe) return why;
  if (a.steady_samples == 0) {
    why.push_back("no steady-state sample: run longer than the warm-up (--warmup)");
  }
  if (a.steady_mismatches > 0) {
    std::string first;
    for (const auto& m : a.first_mismatches) {
      first += format("%s at %.1f s viewer %zu saw %lld, true %lld", first.empty() ? "" : ";",
                      static_cast<double>(m.at_ms) / 1000.0, m.viewer,
                      static_cast<long long>(m.seen), static_cast<long long>(m.truth));
    }
    why.push_back(std::to_string(a.steady_mismatches) + " of " + std::to_string(a.steady_samples) +
                  " steady-state samples differ from the true audience (first: " + first + ")");
  }
  return why;
}

std::string report_json(const ReportInput& in, const std::vector<std::string>& exact_failures) {
  const auto& f = in.figures;
  const auto& a = in.ledger.accuracy();
  const auto& fr = in.ledger.freshness();
  json::array targets;
  for (const auto& t : in.options.targets) targets.push_back(json::string(t.base));
  json::array why;
  for (const auto& w : exact_failures) why.push_back(json::string(w));
  const double samples = static_cast<double>(a.samples);
  json::object o{
      {"players", in.options.players},
      {"targets", std::move(targets)},
      {"subscribe", in.options.subscribe},
      {"durationS", f.wall_s},
      {"heartbeats", requests(f.heartbeats)},
      {"refusals", counts(f.heartbeats.refusals)},
      {"failures", counts(f.heartbeats.failures)},
      {"configs", requests(f.configs)},
      {"polls", requests(f.polls, false)},
      {"deliveries",
       {{"total", in.ledger.deliveries()},
        {"perViewerPerSecond", ratio(static_cast<double>(in.ledger.deliveries()),
                                     in.ledger.subscribed_viewer_seconds())}}},
      {"publishes", in.ledger.publishes()},
      {"publishesPerSecond", ratio(static_cast<double>(in.ledger.publishes()), f.wall_s)},
      {"audience", {{"watchingAtEnd", in.watching}, {"joined", f.joined}, {"left", f.left}}},
      {"accuracy",
       {{"samples", a.samples},
        {"withinHalfPercent", ratio(static_cast<double>(a.within), samples)},
        {"exact", ratio(static_cast<double>(a.exact), samples)},
        {"noCountYet", a.unseen},
        {"minSeen", a.min_seen},
        {"maxSeen", a.max_seen},
        {"steadySamples", a.steady_samples},
        {"steadyWithinHalfPercent",
         ratio(static_cast<double>(a.steady_within), static_cast<double>(a.steady_samples))},
        {"steadyMismatches", a.steady_mismatches},
        {"steadyExact", a.steady_samples == 0
                            ? 0.0
                            : 1.0 - ratio(static_cast<double>(a.steady_mismatches),
                                          static_cast<double>(a.steady_samples))}}},
      {"freshness",
       {{"events", fr.events},
        {"joins", fr.joins},
        {"leaves", fr.leaves},
        {"samples", fr.resolved},
        {"p50Ms", fr.latency.percentile_ms(50)},
        {"p99Ms", fr.latency.percentile_ms(99)},
        {"maxMs", fr.max_ms},
        {"early", fr.early},
        {"unresolved", fr.unresolved}}},
      {"simulator",
       {{"cpuSeconds", f.cpu_s},
        {"cpuPercentOfOneCore", 100 * ratio(f.cpu_s, f.wall_s)},
        {"lagMsP50", f.lag.percentile_ms(50)},
        {"lagMsP99", f.lag.percentile_ms(99)},
        {"lagMsMax", f.lag_max_ms},
        {"steadyLagMsP50", f.steady_lag.percentile_ms(50)},
        {"steadyLagMsP99", f.steady_lag.percentile_ms(99)},
        {"lagTooHigh", lag_too_high(f)},
        {"openFileLimit", f.open_file_limit}}},
      {"expectExact",
       {{"checked", in.options.expect_exact},
        {"pass", exact_failures.empty()},
        {"failures", std::move(why)}}}};
  return json::serialize(o);
}

}  // namespace streampulse::sim
