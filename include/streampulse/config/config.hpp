#pragma once
// The service's settings: every option is a flag and a STREAMPULSE_* variable (flags win).
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::config {

// The settings with a fixed set of values, read once by parse_serve_config. to_string() gives
// the word the flag takes, for logs and messages.
// Where the players' collections and the topics live (--backend).
enum class Backend { embedded, momento, redis };
// How heartbeats come in (--heartbeat-intake): POST /webhook, the service long-polling the
// heartbeat topic, or both (a message seen both ways is processed once).
enum class HeartbeatIntake { webhook, subscription, both };
// The log lines (--log-format): text, or one JSON object a line.
enum class LogFormat { text, json };
// gRPC-Web encoding of the Momento collections (--momento-grpc-web).
enum class GrpcWebEncoding { text, binary };

std::string_view to_string(Backend b);
std::string_view to_string(HeartbeatIntake i);
std::string_view to_string(LogFormat f);
std::string_view to_string(GrpcWebEncoding e);

struct Config {
  std::string listen = "0.0.0.0:8080";
  Backend backend = Backend::embedded;
  std::string cache = "video";
  std::string heartbeat_topic = "stream";
  std::string viewer_count_topic = "viewerCount";
  std::int64_t active_window_ms = 1500;
  std::int64_t heartbeat_interval_ms = 750;
  std::int64_t player_retention_s = 3600;
  std::vector<std::string> webhook_secrets;  // one, or two during a rotation
  std::string admin_token;
  std::string media_dir;
  std::size_t media_store_mb = 256;   // bytes of uploaded media kept in memory, in MiB
  std::int64_t media_ttl_s = 86'400;  // Momento: how long uploaded media objects live
  // The default stream of the catalog (core/stream_catalog.hpp): always there, never removed.
  std::string stream_id = "main";
  std::string stream_url = "/media/sample/master.m3u8";
  std::string stream_name = "Sample stream";
  std::string data_dir;
  std::string static_dir;  // pages and assets; found next to the binary when unset
  std::string log_level = "info";
  LogFormat log_format = LogFormat::text;
  std::string momento_api_key;
  std::string momento_endpoint;
  std::string momento_base_url;
  GrpcWebEncoding momento_grpc_web = GrpcWebEncoding::text;  // text (default) or binary
  std::int64_t momento_timeout_ms = 5000;  // budget of one Momento call, retries included
  std::string redis_url = "redis://127.0.0.1:6379/0";
  std::int64_t redis_timeout_ms = 1000;  // budget of one Redis call, a retry included
  // Keys that sign viewer tokens (current first, then the previous one during a rotation).
  // Empty: a random key per process (embedded); on Redis, one kept in Redis for all instances.
  std::vector<std::string> token_secrets;
  // How heartbeats come in: webhook, subscription or both (HeartbeatIntake above).
  HeartbeatIntake heartbeat_intake = HeartbeatIntake::both;
  // Server limits and timing.
  // Open connections at once; 0: sized from the open-file limit (app/capacity.hpp).
  std::size_t max_connections = 0;
  // Threads serving connections, the state loop included; 0: one per core.
  unsigned threads = 0;
  std::int64_t header_timeout_ms = 10'000;
  std::int64_t shutdown_grace_ms = 10'000;
  std::int64_t long_poll_timeout_ms = 30'000;
  // Topic long-polls waiting at once; 0: half the connections (app/capacity.hpp).
  std::size_t max_long_polls = 0;
  std::int64_t count_tick_ms = 100;
  // The viewer count (core/count_policy.hpp): a dip shorter than this never shows; a leave
  // shows this much later. 0: every dip shows.
  std::int64_t count_settle_ms = 250;
  // Count deliveries (publishes x subscribers waiting) per second this instance aims to stay
  // under: the time between publishes grows with the subscribers. 0: no budget.
  std::uint64_t max_count_deliveries_per_s = 50'000;
  // Publishes per second of the streams' counts other than the default stream's, all streams
  // together (core/stream_count_plan.hpp): what is past it waits for a later tick.
  std::uint64_t max_stream_count_publishes_per_s = 200;
  std::int64_t token_ttl_s = 900;

  // Bounds on what clients can make the service hold (docs/security.md). A client is its
  // address, or the address a trusted proxy forwards (api/client_address.hpp).
  // Viewer tokens one client address may get per minute (bucket of that size); 0: no limit.
  std::int64_t tokens_per_address_per_minute = 600;
  // Proxies (addresses or CIDRs) whose X-Forwarded-For names the client; empty: none.
  std::vector<std::string> trusted_proxies;
  // Players tracked at once (index, sorted set, dictionary); 0: sized from the memory limit.
  std::size_t max_players = 0;
  // Concurrent topic long-polls and dashboard streams of one client address.
  std::size_t max_long_polls_per_client = 64;
  std::size_t max_dashboard_streams_per_client = 8;
};

// Outcome of reading the command line: a config to run, or text to print and an exit code.
struct ParsedConfig {
  Config config;
  bool exit = false;  // --help, --version or an error: print `message`, exit with `exit_code`
  int exit_code = 0;
  std::string message;
};

// argv excludes the subcommand word ("serve"). Reads the environment for unset flags.
ParsedConfig parse_serve_config(int argc, const char* const* argv);

}  // namespace streampulse::config
