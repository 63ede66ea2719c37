// Webhook mode of `streampulse simulate`: the pooled Simulator, as before the audience.
#include "simulate_webhook.hpp"

#include "streampulse/net/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>

namespace streampulse::cli {

// The command drives the simulator (sim/): its names unqualified, as when it lived there.
using namespace streampulse::sim;
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

double percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

void print_summary(const SimStats& s, double seconds) {
  const std::uint64_t done = s.ok + s.failed;
  std::printf("summary: %.1f s, sent %llu, ok %llu, failed %llu (%.2f%%), skipped %llu", seconds,
              static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.ok),
              static_cast<unsigned long long>(s.failed), percent(s.failed, done),
              static_cast<unsigned long long>(s.skipped));
  if (s.aborted) std::printf(", aborted at stop %llu", static_cast<unsigned long long>(s.aborted));
  std::printf("\n  rate %.1f/s, latency p50 %.2f ms, p99 %.2f ms\n",
              seconds > 0 ? static_cast<double>(done) / seconds : 0.0, s.latency.percentile_ms(50),
              s.latency.percentile_ms(99));
  if (!s.failures.empty()) std::printf("  failures:\n");
  for (const auto& [reason, count] : s.failures) {
    std::printf("    %-40s %llu\n", reason.c_str(), static_cast<unsigned long long>(count));
  }
}

}  // namespace

int run_webhook_simulation(const SimulatorOptions& opts, const WebhookTarget& target) {
  asio::io_context io(1);
  net::HttpClientOptions client_opts;
  client_opts.max_connections_per_host = opts.max_in_flight;
  net::HttpClient client(io.get_executor(), client_opts);
  auto sender = make_webhook_sender(client, target);
  Simulator sim(io.get_executor(), opts, std::move(sender));

  const double duration_s = static_cast<double>(opts.duration.count()) / 1000.0;
  const auto interval_ms = static_cast<long long>(opts.interval.count());
  char how_long[64] = "until SIGINT/SIGTERM";
  if (duration_s > 0) std::snprintf(how_long, sizeof how_long, "for %g s", duration_s);
  std::printf("streampulse simulate: %zu players, a heartbeat every %lld ms each (%.1f/s), %s\n",
              opts.players, interval_ms,
              1000.0 * static_cast<double>(opts.players) / static_cast<double>(interval_ms),
              how_long);
  std::printf("  webhook mode: POST signed events (cache %s, topic %s) to %s\n",
              target.cache.c_str(), target.topic.c_str(), target.url.c_str());
  std::printf("  %zu connections at most, seed %llu\n", opts.max_in_flight,
              static_cast<unsigned long long>(opts.seed));
  std::fflush(stdout);

  const auto start = Clock::now();
  bool finished = false;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer progress(io);

  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    std::printf("stopping (signal); again to quit at once\n");
    std::fflush(stdout);
    sim.stop();
    signals.async_wait([](const boost::system::error_code& ec2, int) {
      if (!ec2) std::_Exit(1);
    });
  });

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::uint64_t last_sent = 0;
        while (!finished) {
          progress.expires_after(std::chrono::seconds(5));
          auto [ec] = co_await progress.async_wait(asio::as_tuple(asio::use_awaitable));
          if (ec || finished) break;
          const SimStats& s = sim.stats();
          const auto elapsed = std::chrono::duration<double>(Clock::now() - start).count();
          std::printf(
              "[%6.0fs] sent %llu ok %llu failed %llu skipped %llu | %.1f/s\n", elapsed,
              static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.ok),
              static_cast<unsigned long long>(s.failed), static_cast<unsigned long long>(s.skipped),
              static_cast<double>(s.sent - last_sent) / 5.0);
          std::fflush(stdout);
          last_sent = s.sent;
        }
      },
      asio::detached);

  std::exception_ptr failure;
  asio::co_spawn(io, sim.run(), [&](std::exception_ptr e) {
    failure = e;
    finished = true;
    progress.cancel();
    signals.cancel();
  });
  io.run();

  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      std::cerr << "streampulse simulate: " << e.what() << "\n";
    }
    return 1;
  }
  const SimStats& s = sim.stats();
  print_summary(s, std::chrono::duration<double>(Clock::now() - start).count());
  const bool good = s.ok > 0 && s.failed * 100 <= s.ok + s.failed;
  if (!good) {
    std::printf(s.ok == 0 ? "result: FAIL, no heartbeat was accepted\n"
                          : "result: FAIL, more than 1%% of heartbeats failed\n");
  }
  std::fflush(stdout);
  return good ? 0 : 1;
}

}  // namespace streampulse::cli
