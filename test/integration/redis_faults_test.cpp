// Redis down for 20 s under a real streampulse process with an audience and long-polls of the
// count (issue 16): every request answered within its budget, recovery unaided, memory and
// descriptors bounded. Redis full, its script cache flushed, the eviction-policy warning:
// redis_faults_memory_test.cpp. docs/redis.md, "Faults".
#include "redis_instances.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace streampulse::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

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

}  // namespace
}  // namespace streampulse::testing
