// Redis failing under a real streampulse process with an audience (issue 16): down for 20 s
// under load, full (-OOM under noeviction), its script cache flushed mid-run, and the start-up
// warning of an eviction policy that would drop the audience's keys. docs/redis.md, "Faults".
#include "redis_instances.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

namespace streampulse::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t).count();
}

// A JSON error answer: {"error": "<code>", "message": ...}; its code, or "" when it is not one.
std::string error_code(const std::string& body) {
  boost::system::error_code ec;
  const auto v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return {};
  return std::string(v.at("error").as_string());
}

// Viewers watching the count: `n` long-polls of the count topic held open on `port`, each
// polling again from where its last answer left off, every poll kept as a Sample.
class CountWatchers {
 public:
  CountWatchers(unsigned short port, int n) {
    for (int i = 0; i < n; ++i) tokens_.push_back(viewer_config(port).token);
    for (const auto& token : tokens_) {
      threads_.emplace_back([this, port, &token] { watch(port, token); });
    }
  }
  ~CountWatchers() { stop(); }
  void stop() {
    running_ = false;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::vector<Sample> samples() const {
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  void watch(unsigned short port, const std::string& token) {
    std::uint64_t next = 0, page = 0;
    while (running_) {
      Sample s;
      s.sent = Clock::now();
      try {
        const Poll p = poll_count(port, token, next, page);
        s.status = p.status;
        if (!p.numbers.empty()) {
          next = p.next;
          page = p.page;
        } else if (p.discontinuity) {
          next = page = 0;  // a new page (Redis came back empty): start again from the latest
        }
      } catch (const std::exception& e) {
        s.body = e.what();
      }
      s.took = std::chrono::duration_cast<milliseconds>(Clock::now() - s.sent);
      const bool answered = s.status == 200u;
      {
        std::lock_guard lock(mutex_);
        samples_.push_back(std::move(s));
      }
      if (!answered) std::this_thread::sleep_for(100ms);
    }
  }

  std::vector<std::string> tokens_;
  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
  std::atomic<bool> running_{true};
  std::vector<std::thread> threads_;
};

// The count topic's latest value at `port`, read by a new subscriber ("" when none).
std::string latest_count(unsigned short port, const std::string& token) {
  const Poll p = poll_count(port, token, 0, 0);
  return p.values.empty() ? std::string() : p.values.back();
}

// Lines of the service's log at warn or error level ("<time> warning ...", "<time> error ...").
std::size_t loud_lines(const std::string& log) {
  std::size_t n = 0;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    const auto space = line.find(' ');
    if (space == std::string::npos) continue;
    const auto level = std::string_view(line).substr(space + 1);
    if (level.starts_with("warning") || level.starts_with("error") || level.starts_with("critical"))
      ++n;
  }
  return n;
}

TEST(RedisFaults, DownFor20SecondsUnderLoadAnswersEveryRequestAndRecoversUnaided) {
  REQUIRE_REDIS();
  RedisServer redis;  // no persistence: it comes back empty
  ASSERT_TRUE(redis.ready());
  Instance in(redis, "info",
              {"--long-poll-timeout-ms", "5000", "--tokens-per-address-per-minute", "0"});
  ASSERT_TRUE(in.ready()) << in.process->output();
  const int fds_idle = open_fds(in.process->pid());

  constexpr int kViewers = 150, kWatchers = 20;
  std::vector<Viewer> viewers;
  for (int i = 0; i < kViewers; ++i) viewers.push_back({viewer_config(in.port), in.port});
  // 30 threads of 5 viewers: while Redis is down a publish takes its budget (1 s), so a
  // viewer still heartbeats every 5 s or so.
  auto audience = std::make_unique<Audience>(viewers, 30, true);
  auto watchers = std::make_unique<CountWatchers>(in.port, kWatchers);
  const auto all = json::parse(R"({"active":150,"total":150})");
  ASSERT_TRUE(eventually([&] { return in.players() == all; }, 15s)) << in.players();
  const auto watcher = viewer_config(in.port);
  ASSERT_TRUE(eventually([&] { return latest_count(in.port, watcher.token) == "150"; }, 5s));
  EXPECT_EQ(audience->failures, 0);
  std::this_thread::sleep_for(1s);  // warm: the figures of a service under this load
  const auto rss_before = vm_rss_kib(in.process->pid());

  // Down for 20 s: /readyz 503, /healthz 200 throughout.
  const auto log_before = in.process->output();
  redis.kill9();
  const auto killed = Clock::now();
  EXPECT_TRUE(eventually([&] { return http_get(in.port, "/readyz").status == 503u; }, 2s));
  const auto unready_after = ms_since(killed);
  int readyz_200 = 0, healthz_not_200 = 0, dashboards_unanswered = 0, checks = 0;
  while (Clock::now() - killed < 20s) {
    ++checks;
    if (http_get(in.port, "/readyz").status == 200u) ++readyz_200;
    if (http_get(in.port, "/healthz").status != 200u) ++healthz_not_200;
    const auto t = Clock::now();
    const auto d = http_get(in.port, "/api/dashboard");
    if (d.status == 0u || Clock::now() - t > 2500ms) ++dashboards_unanswered;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(readyz_200, 0) << "of " << checks;
  EXPECT_EQ(healthz_not_200, 0) << "of " << checks;
  EXPECT_EQ(dashboards_unanswered, 0) << "of " << checks;

  ASSERT_TRUE(redis.restart());
  const auto back = Clock::now();
  EXPECT_TRUE(eventually([&] { return http_get(in.port, "/readyz").status == 200u; }, 10s));
  const auto ready_after = ms_since(back);
  // The players are written again by their next heartbeats; every one counted once.
  EXPECT_TRUE(eventually([&] { return in.players() == all; }, 10s)) << in.players();
  const auto players_after = ms_since(back);
  EXPECT_TRUE(eventually([&] { return latest_count(in.port, watcher.token) == "150"; }, 10s))
      << latest_count(in.port, watcher.token);
  const auto count_after = ms_since(back);
  EXPECT_LT(count_after, 8000);
  std::printf(
      "Redis down 20 s under %d viewers and %d long-polls: /readyz 503 after %lld ms; after "
      "Redis came back: /readyz 200 in %lld ms, the dashboard at %d/%d in %lld ms, the "
      "count 150 in %lld ms\n",
      kViewers, kWatchers, static_cast<long long>(unready_after),
      static_cast<long long>(ready_after), kViewers, kViewers,
      static_cast<long long>(players_after), static_cast<long long>(count_after));
  std::this_thread::sleep_for(2s);  // a few heartbeats more, all accepted
  const auto rss_after = vm_rss_kib(in.process->pid());
  const auto steady = Clock::now();
  std::this_thread::sleep_for(1500ms);

  // Every request was answered within its budget: a heartbeat within the store's (1 s, plus
  // the HTTP round trip), a long-poll within its timeout (5 s). During the outage a heartbeat
  // is a JSON 503 backend_unavailable (the call waited for a connection: not a 504); after it,
  // 204 again.
  const auto publishes = audience->samples();
  audience.reset();
  watchers->stop();
  const auto polls = watchers->samples();
  std::size_t during = 0, after = 0, refused = 0;
  long long slowest = 0;
  std::map<std::string, int> codes;
  for (const auto& s : publishes) {
    slowest = std::max<long long>(slowest, s.took.count());
    EXPECT_NE(s.status, 0u) << "no answer: " << s.body;
    EXPECT_LT(s.took, 2500ms) << "status " << s.status;
    // Sent while Redis was down, with the whole budget before it came back.
    if (s.sent > killed + 100ms && s.sent + 1500ms < back) {
      ++during;
      EXPECT_EQ(s.status, 503u) << s.body;
      ++codes[error_code(s.body)];
      if (s.status / 100 == 5 && !error_code(s.body).empty()) ++refused;
    }
    if (s.sent > steady - 1500ms) {
      ++after;
      EXPECT_EQ(s.status, 204u) << s.body;
    }
  }
  EXPECT_EQ(refused, during);
  EXPECT_GT(during, 500u);  // 150 viewers, each about every 5 s for 20 s
  EXPECT_GT(after, 100u);
  std::size_t polls_during = 0;
  long long slowest_poll = 0;
  for (const auto& s : polls) {
    slowest_poll = std::max<long long>(slowest_poll, s.took.count());
    EXPECT_NE(s.status, 0u) << "no answer: " << s.body;
    EXPECT_LT(s.took, 7500ms) << "status " << s.status;
    if (s.sent > killed && s.sent < back) ++polls_during;
  }
  EXPECT_GT(polls_during, static_cast<std::size_t>(kWatchers));
  std::string code_list;
  for (const auto& [code, n] : codes) code_list += " " + code + " x" + std::to_string(n);
  std::printf(
      "%zu heartbeats sent during the outage, each refused with a JSON 5xx (%s), the slowest "
      "heartbeat answer %lld ms; %zu long-polls during it, the slowest %lld ms\n",
      during, code_list.c_str(), slowest, polls_during, slowest_poll);

  // Bounded: memory and descriptors back where they were; long-polls all closed.
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer holds freed memory in its quarantine (up to 256 MB): RSS says nothing here.
  std::printf("[ skipped  ] the RSS bound under AddressSanitizer\n");
#else
  EXPECT_LT(rss_after, rss_before + 20 * 1024) << rss_before << " KiB before";
#endif
  EXPECT_TRUE(eventually([&] { return open_fds(in.process->pid()) <= fds_idle + 4; }, 5s))
      << open_fds(in.process->pid()) << " fds, " << fds_idle << " before";
  EXPECT_TRUE(eventually([&] { return metric(in.port, "streampulse_long_polls_open") == 0.0; }));
  std::printf("RSS %llu KiB before, %llu KiB after; %d fds idle before, %d after\n",
              static_cast<unsigned long long>(rss_before),
              static_cast<unsigned long long>(rss_after), fds_idle, open_fds(in.process->pid()));

  // The loss logged once per connection (commands, mirror), not per request.
  const auto log = in.process->output().substr(log_before.size());
  EXPECT_LE(occurrences(log, "connection lost"), 2u) << log;
  EXPECT_LE(occurrences(log, "connected again"), 2u) << log;
  // Not per request: at most the heartbeats whose publish Redis ran just before it was killed
  // and whose write then failed (one seen in a slow, sanitizer build); none for the 500 refused.
  EXPECT_LE(occurrences(log, "heartbeat of"), 2u) << log;
  EXPECT_LE(occurrences(log, "publishing the viewer count failed"), 1u) << log;
  EXPECT_LT(loud_lines(log), 12u) << log;
  std::printf("%zu warning and error lines logged through the outage\n", loud_lines(log));
}
TEST(RedisFaults, OutOfMemoryUnderNoevictionRefusesWritesWith503KeepsReadsAndRecovers) {
  REQUIRE_REDIS();
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  EXPECT_EQ(redis.cli({"CONFIG", "SET", "maxmemory-policy", "noeviction"}), "OK\n");
  Instance in(redis, "info", {"--tokens-per-address-per-minute", "0"});
  ASSERT_TRUE(in.ready()) << in.process->output();
  EXPECT_EQ(occurrences(in.process->output(), "not noeviction"), 0u);
  std::vector<Viewer> viewers;
  for (int i = 0; i < 50; ++i) viewers.push_back({viewer_config(in.port), in.port});
  auto audience = std::make_unique<Audience>(viewers, 2, true);
  const auto all = json::parse(R"({"active":50,"total":50})");
  ASSERT_TRUE(eventually([&] { return in.players() == all; }, 10s)) << in.players();
  const auto watcher = viewer_config(in.port);
  ASSERT_TRUE(eventually([&] { return latest_count(in.port, watcher.token) == "50"; }, 5s));
  const auto log_before = in.process->output();

  // Full: Redis refuses every write (-OOM), evicts nothing.
  EXPECT_EQ(redis.cli({"CONFIG", "SET", "maxmemory", "100kb"}), "OK\n");
  const auto full = Clock::now();
  std::this_thread::sleep_for(3s);
  // A heartbeat: a clear 503 with a JSON error and Retry-After, at once (not the budget).
  const auto t = Clock::now();
  const auto refused = viewers[0].publish_result(1000);
  EXPECT_LT(Clock::now() - t, 500ms);
  EXPECT_EQ(refused.status, 503u) << refused.body;
  EXPECT_EQ(error_code(refused.body), "backend_full") << refused.body;
  EXPECT_EQ(refused.headers.count("retry-after"), 1u);
  // Reads go on: the dashboard, the count long-poll, /readyz (Redis answers PING), /healthz.
  const auto dashboard = http_get(in.port, "/api/dashboard");
  EXPECT_EQ(dashboard.status, 200u) << dashboard.body;
  EXPECT_EQ(json::parse(dashboard.body).at("players").at("total"), 50);
  EXPECT_EQ(latest_count(in.port, watcher.token), "50");
  EXPECT_EQ(http_get(in.port, "/readyz").status, 200u);
  EXPECT_EQ(http_get(in.port, "/healthz").status, 200u);
  EXPECT_GT(metric(in.port, "streampulse_redis_oom_total"), 0.0);

  // Recovered unaided once Redis has room again.
  EXPECT_EQ(redis.cli({"CONFIG", "SET", "maxmemory", "0"}), "OK\n");
  const auto room = Clock::now();
  EXPECT_TRUE(eventually([&] { return viewers[0].publish(1001) == 204u; }, 5s));
  const auto writes_after = ms_since(room);
  EXPECT_TRUE(eventually([&] { return in.players() == all; }, 5s)) << in.players();
  std::this_thread::sleep_for(1500ms);  // every viewer's next heartbeat accepted
  const auto steady = Clock::now();
  std::this_thread::sleep_for(1500ms);
  const auto publishes = audience->samples();
  audience.reset();

  std::size_t during = 0, after = 0;
  for (const auto& s : publishes) {
    if (s.sent > full + 200ms && s.sent < room) {
      ++during;
      EXPECT_EQ(s.status, 503u) << s.body;
      EXPECT_EQ(error_code(s.body), "backend_full") << s.body;
      EXPECT_LT(s.took, 500ms);
    }
    if (s.sent > steady) {
      ++after;
      EXPECT_EQ(s.status, 204u) << s.body;
    }
  }
  EXPECT_GT(during, 100u);
  EXPECT_GT(after, 50u);
  std::printf(
      "Redis full: %zu heartbeats refused 503 backend_full; writes accepted again %lld ms after "
      "maxmemory was lifted\n",
      during, static_cast<long long>(writes_after));
  // Logged once when it began and once when it ended, not per refusal.
  const auto log = in.process->output().substr(log_before.size());
  EXPECT_EQ(occurrences(log, "redis refuses writes"), 1u) << log;
  EXPECT_EQ(occurrences(log, "redis accepts writes again"), 1u) << log;
  EXPECT_EQ(occurrences(log, "heartbeat of"), 0u) << log;
  EXPECT_LE(occurrences(log, "publishing the viewer count failed"), 1u) << log;
  EXPECT_LT(loud_lines(log), 6u) << log;
}

TEST(RedisFaults, ScriptCacheFlushedMidRunFailsNoPublish) {
  REQUIRE_REDIS();
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  Instance in(redis, "info", {"--tokens-per-address-per-minute", "0"});
  ASSERT_TRUE(in.ready()) << in.process->output();
  std::vector<Viewer> viewers;
  for (int i = 0; i < 40; ++i) viewers.push_back({viewer_config(in.port), in.port});
  Audience audience(viewers, 2);
  const auto all = json::parse(R"({"active":40,"total":40})");
  ASSERT_TRUE(eventually([&] { return in.players() == all; }, 10s)) << in.players();
  const auto log_before = in.process->output();
  // The publish and lease scripts lost while heartbeats and counts are in flight: each
  // EVALSHA answered NOSCRIPT is sent again as EVAL, so no publish fails.
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(redis.cli({"SCRIPT", "FLUSH"}), "OK\n");
    std::this_thread::sleep_for(250ms);
  }
  audience.add({viewer_config(in.port), in.port});
  const auto watcher = viewer_config(in.port);
  EXPECT_TRUE(eventually([&] { return latest_count(in.port, watcher.token) == "41"; }, 5s));
  EXPECT_EQ(audience.failures, 0);
  const auto log = in.process->output().substr(log_before.size());
  EXPECT_EQ(loud_lines(log), 0u) << log;
}

TEST(RedisFaults, AnEvictionPolicyOtherThanNoevictionIsWarnedOfAtStart) {
  REQUIRE_REDIS();
  RedisServerOptions lru;
  lru.extra_args = {"--maxmemory-policy", "volatile-lru"};
  RedisServer redis(lru);
  ASSERT_TRUE(redis.ready());
  Instance in(redis, "info");
  ASSERT_TRUE(in.ready()) << in.process->output();
  EXPECT_EQ(occurrences(in.process->output(), "maxmemory-policy is volatile-lru, not noeviction"),
            1u)
      << in.process->output();
}

}  // namespace
}  // namespace streampulse::testing
