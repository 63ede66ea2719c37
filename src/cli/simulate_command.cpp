// `streampulse simulate`: the options, the open-file limit, then topics mode (the audience,
// sim/audience.hpp) or webhook mode (simulate_webhook.hpp).
#include "streampulse/cli/simulate_command.hpp"

#include "simulate_webhook.hpp"
#include "streampulse/sim/audience.hpp"
#include "streampulse/sim/create_streams.hpp"

#include <boost/program_options.hpp>

#include <sys/resource.h>

#include <cstdint>
#include <iostream>
#include <random>
#include <string>

namespace streampulse::cli {

// The command drives the simulator (sim/): its names unqualified, as when it lived there.
using namespace streampulse::sim;
namespace {

namespace po = boost::program_options;

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
    {"STREAMPULSE_SIM_STREAMS", "streams"},
    {"STREAMPULSE_ADMIN_TOKEN", "admin-token"},
    {"STREAMPULSE_CACHE", "cache"},
    {"STREAMPULSE_HEARTBEAT_TOPIC", "topic"},
    {"STREAMPULSE_ACTIVE_WINDOW_MS", "active-window-ms"},
};

std::string env_mapper(const std::string& var) {
  for (const auto& [env, option] : kEnv) {
    if (var == env) return option;
  }
  return {};
}

// Raises the soft open-file limit to the hard one; returns the soft limit now in force.
std::size_t raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit want = lim;
    want.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) lim = want;
  }
  return lim.rlim_cur == RLIM_INFINITY ? 1u << 20 : static_cast<std::size_t>(lim.rlim_cur);
}

constexpr const char* kIntro =
    "Usage: streampulse simulate [options]\n\n"
    "Topics mode (default): a real audience. Each viewer does what the player page does:\n"
    "GET {target}/api/player-config (its own playerId and token), then a heartbeat to the\n"
    "Topics HTTP API it names every interval on one keep-alive connection, and (--subscribe)\n"
    "a long-poll of the viewer-count topic on a second one. Refusals back off as the page\n"
    "does (1 s doubling to 10 s, with jitter; Retry-After honoured). It reports every\n"
    "--report-every seconds and at the end (stderr; --json FILE or - for the final object):\n"
    "heartbeats and latencies, refusals, count deliveries, accuracy of the count each viewer\n"
    "sees against the true audience, freshness after churn, its own CPU and timer lag.\n"
    "One token per viewer, all from this address: run the server with\n"
    "--tokens-per-address-per-minute 0 (and --max-long-polls-per-client, --max-long-polls,\n"
    "--max-connections above the audience) for audiences past its per-address limits.\n"
    "One process drives at most (open-file limit - 100) / 2 subscribed viewers (the soft\n"
    "limit is raised to the hard one at start); run several processes for more.\n"
    "Webhook mode (--webhook URL): POST signed Momento webhook events to URL.\n\n"
    "Options (environment variable in brackets; flags win)";

}  // namespace

int run_simulate_command(int argc, char** argv) {
  po::options_description desc(kIntro, 110, 60);
  desc.add_options()("help,h", "show this help")(
      "target", po::value<std::string>()->default_value("http://127.0.0.1:8080"),
      "service base URL(s) for topics mode, comma-separated: viewers spread round-robin "
      "[STREAMPULSE_SIM_TARGET]")(
      "webhook", po::value<std::string>(),
      "webhook mode: POST events to this URL [STREAMPULSE_SIM_WEBHOOK_URL]")(
      "secret", po::value<std::string>(),
      "webhook signing secret; the first of a comma-separated list [STREAMPULSE_WEBHOOK_SECRET]")(
      "players", po::value<std::int64_t>()->default_value(100),
      "number of players (viewers) [STREAMPULSE_SIM_PLAYERS]")(
      "interval-ms", po::value<std::int64_t>()->default_value(750),
      "heartbeat period of each player; topics mode: the configuration's heartbeatIntervalMs "
      "unless given [STREAMPULSE_HEARTBEAT_INTERVAL_MS]")(
      "duration", po::value<double>()->default_value(0),
      "seconds to run; 0 runs until SIGINT/SIGTERM [STREAMPULSE_SIM_DURATION_S]")(
      "subscribe", "topics mode: each viewer also long-polls the count (the default)")(
      "no-subscribe", "topics mode: heartbeats only, one connection per viewer")(
      "one-address",
      "topics mode: every viewer connects from the same address (by default, against a "
      "loopback target each viewer has its own, 127.1.0.1 upwards, so the service's "
      "per-address bounds see N viewers)")(
      "streams", po::value<std::int64_t>()->default_value(0),
      "topics mode: spread the viewers over the catalog's streams sim-1 .. sim-N (they must "
      "exist: PUT /api/streams/sim-K), a few popular and a long tail (Zipf, --stream-skew), "
      "each viewer's count checked against its own stream's audience; 0: the default stream "
      "[STREAMPULSE_SIM_STREAMS]")(
      "create-streams",
      "with --streams: first put sim-1 .. sim-N in the first target's catalog (needs "
      "--admin-token)")("admin-token", po::value<std::string>(),
                        "the service's admin token, for --create-streams "
                        "[STREAMPULSE_ADMIN_TOKEN]")(
      "stream-skew", po::value<double>()->default_value(1.0),
      "topics mode, with --streams: stream k gets a share of the viewers proportional to "
      "1/k^this (0: even)")(
      "churn-every", po::value<std::int64_t>()->default_value(0),
      "topics mode: every this many ms one viewer leaves or a new one joins, alternately; "
      "0: no churn")("report-every", po::value<double>()->default_value(5),
                     "seconds between progress lines on stderr; 0: none")(
      "json", po::value<std::string>(),
      "write the final report as one JSON object to this file, - for stdout")(
      "active-window-ms", po::value<std::int64_t>()->default_value(1500),
      "the server's active window: a viewer counts until its last answered heartbeat + this "
      "[STREAMPULSE_ACTIVE_WINDOW_MS]")("warmup", po::value<double>()->default_value(5),
                                        "seconds before samples count as steady state")(
      "sample", po::value<std::int64_t>()->default_value(500),
      "subscribed viewers whose seen count is sampled every 100 ms")(
      "expect-exact",
      "exit 1 unless every steady-state sample saw the true audience and no heartbeat failed or "
      "was refused (tests)")(
      "connections", po::value<std::int64_t>()->default_value(16),
      "webhook mode: connections and sends in flight at most [STREAMPULSE_SIM_CONNECTIONS]")(
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
  if (vm.count("subscribe") && vm.count("no-subscribe"))
    return usage_error("--subscribe and --no-subscribe together");
  const std::uint64_t seed =
      vm.count("seed") ? vm["seed"].as<std::uint64_t>() : std::random_device{}();

  if (vm.count("webhook")) {
    WebhookTarget target;
    target.url = vm["webhook"].as<std::string>();
    Target parsed;
    std::string why;
    if (!parse_target(target.url, parsed, why)) return usage_error(why);
    if (vm.count("secret"))
      target.secret =
          vm["secret"].as<std::string>().substr(0, vm["secret"].as<std::string>().find(','));
    if (target.secret.empty()) {
      return usage_error(
          "webhook mode needs the signing secret: --secret S or STREAMPULSE_WEBHOOK_SECRET");
    }
    target.cache = vm["cache"].as<std::string>();
    target.topic = vm["topic"].as<std::string>();
    SimulatorOptions opts;
    opts.players = static_cast<std::size_t>(players);
    opts.interval = std::chrono::milliseconds(interval_ms);
    opts.duration = std::chrono::milliseconds(static_cast<std::int64_t>(duration_s * 1000));
    opts.max_in_flight = static_cast<std::size_t>(connections);
    opts.seed = seed;
    return run_webhook_simulation(opts, target);
  }

  AudienceOptions opts;
  std::string why;
  if (!parse_targets(vm["target"].as<std::string>(), opts.targets, why)) return usage_error(why);
  opts.players = static_cast<std::size_t>(players);
  opts.interval_ms = vm["interval-ms"].defaulted() ? 0 : interval_ms;
  opts.duration_s = duration_s;
  opts.subscribe = vm.count("no-subscribe") == 0;
  opts.own_addresses = vm.count("one-address") == 0;
  opts.churn_every_ms = vm["churn-every"].as<std::int64_t>();
  const auto streams = vm["streams"].as<std::int64_t>();
  if (streams < 0 || streams > 10'000) return usage_error("--streams must be 0..10000");
  opts.streams = static_cast<std::size_t>(streams);
  opts.stream_skew = vm["stream-skew"].as<double>();
  if (!(opts.stream_skew >= 0 && opts.stream_skew <= 10))
    return usage_error("--stream-skew must be 0..10");
  if (vm.count("create-streams")) {
    if (opts.streams == 0) return usage_error("--create-streams needs --streams N");
    if (!vm.count("admin-token")) return usage_error("--create-streams needs --admin-token");
    std::string base = vm["target"].as<std::string>();
    base = base.substr(0, base.find(','));
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (create_sim_streams(base, vm["admin-token"].as<std::string>(), opts.streams) != 0) return 1;
  }
  opts.report_every_s = vm["report-every"].as<double>();
  opts.active_window_ms = vm["active-window-ms"].as<std::int64_t>();
  opts.warmup_s = vm["warmup"].as<double>();
  const auto sample = vm["sample"].as<std::int64_t>();
  opts.seed = seed;
  opts.expect_exact = vm.count("expect-exact") > 0;
  if (vm.count("json")) opts.json_path = vm["json"].as<std::string>();
  if (opts.churn_every_ms < 0) return usage_error("--churn-every must be >= 0");
  if (!(opts.report_every_s >= 0)) return usage_error("--report-every must be >= 0");
  if (opts.active_window_ms < 1) return usage_error("--active-window-ms must be >= 1");
  if (!(opts.warmup_s >= 0)) return usage_error("--warmup must be >= 0");
  if (sample < 0) return usage_error("--sample must be >= 0");
  opts.sample_size = static_cast<std::size_t>(sample);

  // Two connections a viewer (one without --subscribe), and some for everything else.
  const std::size_t files = raise_open_file_limit();
  const std::size_t per_viewer = opts.subscribe ? 2 : 1;
  const std::size_t most = files > 100 ? (files - 100) / per_viewer : 0;
  if (opts.players > most) {
    return usage_error("--players " + std::to_string(players) + " needs " +
                       std::to_string(opts.players * per_viewer + 100) +
                       " open files, and this process may open " + std::to_string(files) +
                       " (RLIMIT_NOFILE, soft raised to hard): at most " + std::to_string(most) +
                       " viewers per process here; run several simulate processes, or raise "
                       "the hard limit (ulimit -Hn)");
  }
  char seconds[48];
  std::snprintf(seconds, sizeof seconds, "for %g s", duration_s);
  const std::string how_long = duration_s > 0 ? seconds : "until SIGINT/SIGTERM";
  std::string targets;
  for (const auto& t : opts.targets) targets += (targets.empty() ? "" : ", ") + t.base;
  std::fprintf(stderr,
               "streampulse simulate: %zu viewers on %s, %s, %s, seed %llu; open-file limit %zu\n",
               opts.players, targets.c_str(),
               opts.subscribe ? "heartbeats and count long-poll" : "heartbeats only",
               how_long.c_str(), static_cast<unsigned long long>(seed), files);
  return run_audience(opts, files);
}

}  // namespace streampulse::cli
