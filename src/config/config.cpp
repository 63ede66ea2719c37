#include "streampulse/config/config.hpp"
#include "streampulse/core/client_address.hpp"
#include "streampulse/core/stream_catalog.hpp"
#include "streampulse/redis/client.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>

namespace streampulse::config {

namespace po = boost::program_options;

namespace {

std::vector<std::string> split_secrets(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

// "--flag-name" <-> "STREAMPULSE_FLAG_NAME"; Momento's own variables keep their names.
std::string env_to_option(const std::string& env) {
  if (env == "MOMENTO_API_KEY") return "momento-api-key";
  if (env == "MOMENTO_ENDPOINT") return "momento-endpoint";
  static const std::string prefix = "STREAMPULSE_";
  if (env.rfind(prefix, 0) != 0) return {};
  std::string name = env.substr(prefix.size());
  for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return name;
}

template <class E, std::size_t N>
std::optional<E> parse_word(const std::string& word,
                            const std::array<std::pair<std::string_view, E>, N>& words) {
  for (const auto& [name, value] : words) {
    if (word == name) return value;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<std::string_view, Backend>, 3> kBackends{{
    {"embedded", Backend::embedded},
    {"momento", Backend::momento},
    {"redis", Backend::redis},
}};
constexpr std::array<std::pair<std::string_view, HeartbeatIntake>, 3> kIntakes{{
    {"webhook", HeartbeatIntake::webhook},
    {"subscription", HeartbeatIntake::subscription},
    {"both", HeartbeatIntake::both},
}};
constexpr std::array<std::pair<std::string_view, LogFormat>, 2> kLogFormats{{
    {"text", LogFormat::text},
    {"json", LogFormat::json},
}};
constexpr std::array<std::pair<std::string_view, GrpcWebEncoding>, 2> kGrpcWebEncodings{{
    {"text", GrpcWebEncoding::text},
    {"binary", GrpcWebEncoding::binary},
}};

template <class E, std::size_t N>
std::string_view word_of(E value, const std::array<std::pair<std::string_view, E>, N>& words) {
  for (const auto& [name, v] : words) {
    if (v == value) return name;
  }
  return "?";
}

}  // namespace

std::string_view to_string(Backend b) { return word_of(b, kBackends); }
std::string_view to_string(HeartbeatIntake i) { return word_of(i, kIntakes); }
std::string_view to_string(LogFormat f) { return word_of(f, kLogFormats); }
std::string_view to_string(GrpcWebEncoding e) { return word_of(e, kGrpcWebEncodings); }

ParsedConfig parse_serve_config(int argc, const char* const* argv) {
  ParsedConfig out;
  Config& c = out.config;
  std::string secrets;
  std::string proxies;
  std::string token_secrets;
  // The settings with a fixed set of words, read as words and parsed below.
  std::string backend(to_string(c.backend));
  std::string heartbeat_intake(to_string(c.heartbeat_intake));
  std::string log_format(to_string(c.log_format));
  std::string grpc_web(to_string(c.momento_grpc_web));
  po::options_description desc(
      "Usage: streampulse [serve] [options]\n\n"
      "Every option can also be set by an environment variable: --active-window-ms is\n"
      "STREAMPULSE_ACTIVE_WINDOW_MS. Flags win over the environment.\n\nOptions");
  // clang-format off
  desc.add_options()
    ("help,h", "print this help and exit")
    ("version", "print the version and exit")
    ("listen", po::value(&c.listen)->default_value(c.listen), "address:port of the HTTP listener")
    ("backend", po::value(&backend)->default_value(backend), "embedded, momento, or redis (several instances share one Redis or Valkey)")
    ("cache", po::value(&c.cache)->default_value(c.cache), "Momento cache name; the embedded backend's namespace")
    ("heartbeat-topic", po::value(&c.heartbeat_topic)->default_value(c.heartbeat_topic), "topic players publish heartbeats to")
    ("viewer-count-topic", po::value(&c.viewer_count_topic)->default_value(c.viewer_count_topic), "topic the active viewer count is published to")
    ("active-window-ms", po::value(&c.active_window_ms)->default_value(c.active_window_ms), "a player is active if its last heartbeat is newer than this")
    ("heartbeat-interval-ms", po::value(&c.heartbeat_interval_ms)->default_value(c.heartbeat_interval_ms), "heartbeat period the player page is told to use")
    ("player-retention-s", po::value(&c.player_retention_s)->default_value(c.player_retention_s), "how long a silent player still counts toward the total")
    ("webhook-secret", po::value(&secrets), "Momento webhook signing secret; two, comma-separated, during a rotation [unset: POST /webhook answers 503]")
    ("admin-token", po::value(&c.admin_token), "bearer token for uploads and simulations [unset: those answer 503]")
    ("media-dir", po::value(&c.media_dir), "folder of HLS content served under /media/ [unset: the bundled media/ folder]")
    ("media-store-mb", po::value(&c.media_store_mb)->default_value(c.media_store_mb), "MiB of uploaded media (PUT /media/...) kept in memory; objects up to 32 MiB")
    ("media-ttl-s", po::value(&c.media_ttl_s)->default_value(c.media_ttl_s), "momento backend: lifetime of uploaded media objects in the cache (on-demand caches allow 24 h)")
    ("stream-id", po::value(&c.stream_id)->default_value(c.stream_id), "id of the default stream in the catalog (GET /api/streams); it cannot be removed")
    ("stream-url", po::value(&c.stream_url)->default_value(c.stream_url), "what the player page plays by default: the default stream's URL (http(s) or a path on this site)")
    ("stream-name", po::value(&c.stream_name)->default_value(c.stream_name), "name shown for the default stream")
    ("data-dir", po::value(&c.data_dir), "where the embedded backend keeps state across restarts [unset: memory only]")
    ("static-dir", po::value(&c.static_dir), "folder of the pages and their assets [unset: found next to the binary]")
    ("log-level", po::value(&c.log_level)->default_value(c.log_level), "trace, debug, info, warn, error, critical or off (any case)")
    ("log-format", po::value(&log_format)->default_value(log_format), "text, or json for one JSON object a line")
    ("redis-url", po::value(&c.redis_url)->default_value(c.redis_url), "redis backend: redis://[user:password@]host:port[/db], rediss:// for TLS, unix:///path/to/socket, redis+sentinel://[user:password@]host:26379[,host:26379...]/<primary name>[/db][?sentinel_password=...] (docs/redis.md)")
    ("redis-timeout-ms", po::value(&c.redis_timeout_ms)->default_value(c.redis_timeout_ms), "redis backend: budget of one Redis call, a retry included")
    ("token-secret", po::value(&token_secrets), "key that signs viewer tokens; two, comma-separated, during a rotation [unset: random per process (embedded); kept in Redis (redis)]")
    ("momento-api-key", po::value(&c.momento_api_key), "Momento API key (env MOMENTO_API_KEY)")
    ("momento-endpoint", po::value(&c.momento_endpoint), "Momento endpoint for v2 keys (env MOMENTO_ENDPOINT)")
    ("momento-base-url", po::value(&c.momento_base_url), "send every Momento request to this base URL (tests, proxies)")
    ("momento-grpc-web", po::value(&grpc_web)->default_value(grpc_web), "gRPC-Web encoding for Momento collections: text (as @gomomento/sdk-web) or binary (application/grpc-web, as Momento's .NET web build)")
    ("momento-timeout-ms", po::value(&c.momento_timeout_ms)->default_value(c.momento_timeout_ms), "budget of one Momento call, retries included")
    ("heartbeat-intake", po::value(&heartbeat_intake)->default_value(heartbeat_intake), "webhook, subscription (the service reads the heartbeat topic) or both (each heartbeat processed once)")
    ("threads", po::value(&c.threads)->default_value(c.threads), "threads serving connections (signature checks, parsing, files); the state stays on one of them [0: one per core]")
    ("max-connections", po::value(&c.max_connections)->default_value(c.max_connections), "open connections beyond this are refused with 503 and Retry-After [0: the open-file limit less 64]")
    ("header-timeout-ms", po::value(&c.header_timeout_ms)->default_value(c.header_timeout_ms), "deadline for a request's headers, idle keep-alive time included")
    ("shutdown-grace-ms", po::value(&c.shutdown_grace_ms)->default_value(c.shutdown_grace_ms), "on SIGTERM/SIGINT, how long requests in flight may take to finish")
    ("long-poll-timeout-ms", po::value(&c.long_poll_timeout_ms)->default_value(c.long_poll_timeout_ms), "longest wait of a topic long-poll before it answers with no items")
    ("max-long-polls", po::value(&c.max_long_polls)->default_value(c.max_long_polls), "concurrent topic long-polls; more are refused with 429 and Retry-After [0: half the connections]")
    ("count-tick-ms", po::value(&c.count_tick_ms)->default_value(c.count_tick_ms), "how often the active count is checked and, if changed, published")
    ("count-settle-ms", po::value(&c.count_settle_ms)->default_value(c.count_settle_ms), "the count published is the highest seen over this long: a shorter dip never shows, a leave shows this much later [0: every dip shows]")
    ("max-count-deliveries-per-s", po::value(&c.max_count_deliveries_per_s)->default_value(c.max_count_deliveries_per_s), "count deliveries (publishes x waiting subscribers) per second to stay under: publishes are spaced at least subscribers/this seconds [0: no budget]")
    ("max-stream-count-publishes-per-s", po::value(&c.max_stream_count_publishes_per_s)->default_value(c.max_stream_count_publishes_per_s), "publishes per second of the other streams' counts (viewerCount-<id>), all streams together; more wait for a later tick")
    ("token-ttl-s", po::value(&c.token_ttl_s)->default_value(c.token_ttl_s), "lifetime of the viewer tokens /api/player-config hands out")
    ("tokens-per-address-per-minute", po::value(&c.tokens_per_address_per_minute)->default_value(c.tokens_per_address_per_minute), "viewer tokens one client address may get per minute; 0: no limit (load tests from one machine)")
    ("trusted-proxies", po::value(&proxies), "comma-separated addresses or CIDRs of proxies whose X-Forwarded-For names the client [unset: none]")
    ("max-players", po::value(&c.max_players)->default_value(c.max_players), "players tracked at once; past it the longest-silent inactive player is dropped, or a new one refused [0: sized from the memory limit]")
    ("max-long-polls-per-client", po::value(&c.max_long_polls_per_client)->default_value(c.max_long_polls_per_client), "concurrent topic long-polls of one client address; more are refused with 429")
    ("max-dashboard-streams-per-client", po::value(&c.max_dashboard_streams_per_client)->default_value(c.max_dashboard_streams_per_client), "concurrent dashboard streams (SSE) of one client address; more are refused with 429");
  // clang-format on

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    // Variables that name no option (STREAMPULSE_URL of a test script...) are ignored.
    po::store(po::parse_environment(desc,
                                    [&desc](const std::string& env) {
                                      std::string name = env_to_option(env);
                                      if (name.empty() || name == "help" || name == "version")
                                        return std::string();
                                      return desc.find_nothrow(name, false, false, false)
                                                 ? name
                                                 : std::string();
                                    }),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    out.exit = true;
    out.exit_code = 2;
    out.message = std::string("streampulse: ") + e.what() + "\nTry 'streampulse --help'.\n";
    return out;
  }
  if (vm.count("help")) {
    std::ostringstream text;
    text << desc << "\n";
    out.exit = true;
    out.message = text.str();
    return out;
  }
  if (vm.count("version")) {
    out.exit = true;
    out.message = std::string("streampulse ") + STREAMPULSE_VERSION + "\n";
    return out;
  }
  c.webhook_secrets = split_secrets(secrets);
  c.trusted_proxies = split_secrets(proxies);
  c.token_secrets = split_secrets(token_secrets);
  auto fail = [&](std::string msg) {
    out.exit = true;
    out.exit_code = 2;
    out.message = "streampulse: " + msg + "\n";
    return out;
  };
  if (auto b = parse_word(backend, kBackends))
    c.backend = *b;
  else
    return fail("--backend must be 'embedded', 'momento' or 'redis', not '" + backend + "'");
  if (c.backend == Backend::redis) {
    if (auto url = redis::Url::parse(c.redis_url); !url)
      return fail(
          "--redis-url is not a Redis URL: redis://[user:password@]host:port[/db], "
          "rediss://..., unix:///path/to/socket or "
          "redis+sentinel://[user:password@]host:26379[,host:26379...]/<primary name>[/db]");
  }
  if (c.token_secrets.size() > 2)
    return fail("--token-secret takes at most two keys (current,previous)");
  for (const auto& k : c.token_secrets) {
    if (k.size() < 16) return fail("--token-secret: each key needs at least 16 characters");
  }
  if (auto i = parse_word(heartbeat_intake, kIntakes))
    c.heartbeat_intake = *i;
  else
    return fail("--heartbeat-intake must be 'webhook', 'subscription' or 'both'");
  if (auto e = parse_word(grpc_web, kGrpcWebEncodings))
    c.momento_grpc_web = *e;
  else
    return fail("--momento-grpc-web must be 'binary' or 'text'");
  if (c.backend == Backend::momento && c.momento_api_key.empty())
    return fail("--backend momento needs MOMENTO_API_KEY (or --momento-api-key)");
  for (char& ch : c.log_level) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (c.log_level == "warning") c.log_level = "warn";
  // spdlog turns an unknown name into "off": a typo must not silence the service.
  static const std::vector<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                   "error", "critical", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), c.log_level) == kLevels.end())
    return fail("--log-level must be trace, debug, info, warn, error, critical or off, not '" +
                c.log_level + "'");
  if (auto f = parse_word(log_format, kLogFormats))
    c.log_format = *f;
  else
    return fail("--log-format must be 'text' or 'json'");
  if (c.active_window_ms <= 0 || c.heartbeat_interval_ms <= 0 || c.player_retention_s <= 0 ||
      c.count_tick_ms <= 0 || c.token_ttl_s <= 0 || c.long_poll_timeout_ms <= 0 ||
      c.momento_timeout_ms <= 0 || c.media_ttl_s <= 0 || c.redis_timeout_ms <= 0)
    return fail("durations must be positive");
  if (c.count_settle_ms < 0 || c.count_settle_ms > 60'000)
    return fail("--count-settle-ms must be 0..60000");
  if (c.media_store_mb < 1 || c.media_store_mb > 1024 * 1024)
    return fail("--media-store-mb must be 1..1048576");
  if (c.threads > 256) return fail("--threads must be 0..256");
  if (auto proxies_ok = core::TrustedProxies::parse(c.trusted_proxies); !proxies_ok)
    return fail("--trusted-proxies: " + proxies_ok.error());
  if (c.tokens_per_address_per_minute < 0)
    return fail("--tokens-per-address-per-minute must be 0 (no limit) or more");
  if (c.max_long_polls_per_client < 1 || c.max_dashboard_streams_per_client < 1)
    return fail("per-client limits must be at least 1");
  if (auto bad = core::check_stream({c.stream_id, c.stream_name, c.stream_url}, {}))
    return fail("the default stream (--stream-id, --stream-name, --stream-url): " + bad->message);
  if (c.webhook_secrets.size() > 2)
    return fail("--webhook-secret takes at most two secrets (current,previous)");
  return out;
}

}  // namespace streampulse::config
