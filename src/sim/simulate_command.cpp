#include "streampulse/sim/simulate_command.hpp"

#include <boost/asio/io_context.hpp>

#include "streampulse/net/http_client.hpp"
#include "streampulse/sim/simulator.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/program_options.hpp>
#include <boost/url/parse.hpp>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <random>
#include <string>

namespace streampulse::sim {
namespace {

namespace asio = boost::asio;
namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

// Environment variable -> option. Flags win because they are stored first.
constexpr std::pair<const char*, const char*> kEnv[] = {
    {"STREAMPULSE_SIM_TARGET", "target"},
    {"STREAMPULSE_SIM_WEBHOOK_URL", "webhook"},
    {"STREAMPULSE_WEBHOOK_SECRET", "secret"},
    {"STREAMPULSE_SIM_PLAYERS", "players"},
    {"STREAMPULSE_HEARTBEAT_INTERVAL_MS", "interval-ms"},
    {"STREAMPULSE_SIM_DURATION_S", "duration"},
    {"STREAMPULSE_SIM_CONNECTIONS", "connections"},
    {"STREAMPULSE_SIM_SEED", "seed"},
    {"STREAMPULSE_CACHE", "cache"},
    {"STREAMPULSE_HEARTBEAT_TOPIC", "topic"},
};

std::string env_mapper(const std::string& var) {
  for (const auto& [env, option] : kEnv) {
    if (var == env) return option;
  }
  return {};
}

bool valid_http_url(const std::string& url, std::string& why) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->encoded_host().empty()) {
    why = "not an absolute URL";
  } else if (u->scheme_id() == boost::urls::scheme::https) {
    why = "https is not supported by the simulator yet; use http://";
  } else if (u->scheme_id() != boost::urls::scheme::http) {
    why = "the scheme must be http://";
  } else {
    return true;
  }
  return false;
}

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

int run_simulate_command(int argc, char** argv) {
  po::options_description desc(
      "Usage: streampulse simulate [options]\n\n"
      "Synthetic players sending real heartbeats. Topics mode (default): GET\n"
      "{target}/api/player-config, then publish to the Topics HTTP API it names. Webhook mode\n"
      "(--webhook URL): POST signed Momento webhook events to URL.\n\n"
      "Options (environment variable in brackets; flags win)",
      110, 60);
  desc.add_options()("help,h", "show this help")(
      "target", po::value<std::string>()->default_value("http://127.0.0.1:8080"),
      "service base URL for topics mode [STREAMPULSE_SIM_TARGET]")(
      "webhook", po::value<std::string>(),
      "webhook mode: POST events to this URL [STREAMPULSE_SIM_WEBHOOK_URL]")(
      "secret", po::value<std::string>(),
      "webhook signing secret; the first of a comma-separated list [STREAMPULSE_WEBHOOK_SECRET]")(
      "players", po::value<std::int64_t>()->default_value(100),
      "number of players [STREAMPULSE_SIM_PLAYERS]")(
      "interval-ms", po::value<std::int64_t>()->default_value(750),
      "heartbeat period of each player [STREAMPULSE_HEARTBEAT_INTERVAL_MS]")(
      "duration", po::value<double>()->default_value(0),
      "seconds to run; 0 runs until SIGINT/SIGTERM [STREAMPULSE_SIM_DURATION_S]")(
      "connections", po::value<std::int64_t>()->default_value(16),
      "connections and sends in flight at most [STREAMPULSE_SIM_CONNECTIONS]")(
      "seed", po::value<std::uint64_t>(),
      "random seed (default: a random one, printed) [STREAMPULSE_SIM_SEED]")(
      "cache", po::value<std::string>()->default_value("video"),
      "cache named in webhook events [STREAMPULSE_CACHE]")(
      "topic", po::value<std::string>()->default_value("stream"),
      "topic named in webhook events [STREAMPULSE_HEARTBEAT_TOPIC]");

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::store(po::parse_environment(desc, env_mapper), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "streampulse simulate: " << e.what() << "\n(see --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }

  auto usage_error = [](const std::string& message) {
    std::cerr << "streampulse simulate: " << message << "\n";
    return 2;
  };
  const auto players = vm["players"].as<std::int64_t>();
  const auto interval_ms = vm["interval-ms"].as<std::int64_t>();
  const auto duration_s = vm["duration"].as<double>();
  const auto connections = vm["connections"].as<std::int64_t>();
  if (players < 1 || players > 1'000'000) return usage_error("--players must be 1..1000000");
  if (interval_ms < 10 || interval_ms > 3'600'000)
    return usage_error("--interval-ms must be 10..3600000");
  if (!(duration_s >= 0 && duration_s < 1e7)) return usage_error("--duration must be >= 0");
  if (connections < 1 || connections > 4096) return usage_error("--connections must be 1..4096");

  const bool webhook_mode = vm.count("webhook") > 0;
  const std::string url =
      webhook_mode ? vm["webhook"].as<std::string>() : vm["target"].as<std::string>();
  std::string why;
  if (!valid_http_url(url, why)) return usage_error(url + ": " + why);
  std::string secret;
  if (vm.count("secret"))
    secret = vm["secret"].as<std::string>().substr(0, vm["secret"].as<std::string>().find(','));
  if (webhook_mode && secret.empty()) {
    return usage_error(
        "webhook mode needs the signing secret: --secret S or STREAMPULSE_WEBHOOK_SECRET");
  }
  const std::uint64_t seed =
      vm.count("seed") ? vm["seed"].as<std::uint64_t>() : std::random_device{}();

  SimulatorOptions opts;
  opts.players = static_cast<std::size_t>(players);
  opts.interval = std::chrono::milliseconds(interval_ms);
  opts.duration = std::chrono::milliseconds(static_cast<std::int64_t>(duration_s * 1000));
  opts.max_in_flight = static_cast<std::size_t>(connections);
  opts.seed = seed;

  asio::io_context io(1);
  net::HttpClientOptions client_opts;
  client_opts.max_connections_per_host = opts.max_in_flight;
  net::HttpClient client(io.get_executor(), client_opts);
  std::unique_ptr<Sender> sender;
  if (webhook_mode) {
    sender = make_webhook_sender(
        client, {url, secret, vm["cache"].as<std::string>(), vm["topic"].as<std::string>()});
  } else {
    sender = make_topics_sender(client, url);
  }
  Simulator sim(io.get_executor(), opts, std::move(sender));

  char how_long[64] = "until SIGINT/SIGTERM";
  if (duration_s > 0) std::snprintf(how_long, sizeof how_long, "for %g s", duration_s);
  std::printf("streampulse simulate: %lld players, a heartbeat every %lld ms each (%.1f/s), %s\n",
              static_cast<long long>(players), static_cast<long long>(interval_ms),
              1000.0 * static_cast<double>(players) / static_cast<double>(interval_ms), how_long);
  if (webhook_mode) {
    std::printf("  webhook mode: POST signed events (cache %s, topic %s) to %s\n",
                vm["cache"].as<std::string>().c_str(), vm["topic"].as<std::string>().c_str(),
                url.c_str());
  } else {
    std::printf("  topics mode: config from %s/api/player-config, publish where it says\n",
                url.c_str());
  }
  std::printf("  %lld connections at most, seed %llu\n", static_cast<long long>(connections),
              static_cast<unsigned long long>(seed));
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

}  // namespace streampulse::sim
