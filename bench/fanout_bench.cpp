// Fan-out and freshness of the viewer count, against a running service (embedded backend).
//
//   build/bench/fanout_bench [base_url=http://127.0.0.1:18592] [players=1000] [subscribers=1000]
//                            [seconds=10] [freshness_samples=30]
//
// Fan-out: `players` synthetic players heartbeat every 750 ms through the topics API while
// `subscribers` viewers long-poll the count topic (each its own connection, resuming by
// sequence number, as the player page does). Reports heartbeats, count publishes and deliveries
// per second, beside what the original design (a publish per heartbeat, delivered to every
// subscriber) would have needed at the same load.
//
// Freshness: then, repeatedly, a new player sends its first heartbeat and the time until a
// subscriber receives a count that includes it is recorded (p50, p99). A sample waits for the
// previous probe to leave the active window first.
#include "streampulse/net/http_client.hpp"
#include "streampulse/sim/simulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace streampulse;
namespace asio = boost::asio;
namespace json = boost::json;
namespace bh = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

struct Shared {
  std::string base;
  std::string token;
  std::uint64_t deliveries = 0;
  std::uint64_t last_count = 0;
  Clock::time_point last_change{};
  bool stop = false;
};

asio::awaitable<void> sleep_ms(long ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
}

// One viewer: long-polls the count topic, resuming after the last item, until told to stop.
asio::awaitable<void> subscriber(net::HttpClient& http, Shared& s) {
  std::uint64_t seq = 0, page = 0;
  while (!s.stop) {
    net::Request req;
    req.url = s.base + "/topics/video/viewerCount?sequence_number=" + std::to_string(seq) +
              "&sequence_page=" + std::to_string(page);
    req.headers.set(bh::field::authorization, s.token);
    req.timeout = std::chrono::seconds(40);
    auto res = co_await http.request(std::move(req));
    if (!res || res->status != 200) {
      co_await sleep_ms(100);
      continue;
    }
    const auto doc = json::parse(res->body);  // named: see DEVELOPERS.md
    for (const auto& e : doc.at("items").as_array()) {
      const auto* item = e.as_object().if_contains("item");
      if (!item) continue;
      ++s.deliveries;
      const auto value = std::stoull(std::string(item->at("value").at("text").as_string()));
      if (value != s.last_count) {
        s.last_count = value;
        s.last_change = Clock::now();
      }
      seq = item->at("topic_sequence_number").to_number<std::uint64_t>() + 1;
      page = item->at("sequence_page").to_number<std::uint64_t>();
    }
  }
}

asio::awaitable<std::uint64_t> publishes(net::HttpClient& http, const std::string& base) {
  net::Request req;
  req.url = base + "/metrics";
  auto res = co_await http.request(std::move(req));
  if (!res) co_return 0;
  const std::string name = "\nstreampulse_count_publishes_total ";
  const auto at = res->body.find(name);
  co_return at == std::string::npos ? 0 : std::stoull(res->body.substr(at + name.size()));
}

asio::awaitable<bool> publish_heartbeat(net::HttpClient& http, Shared& s, const std::string& id) {
  net::Request req;
  req.method = bh::verb::post;
  req.url = s.base + "/topics/video/stream";
  req.headers.set(bh::field::authorization, s.token);
  req.headers.set(bh::field::content_type, "text/plain");
  req.body = R"({"playerId":")" + id + R"(","bitrate":1000,"playTime":1})";
  auto res = co_await http.request(std::move(req));
  co_return res && res->status == 204;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

asio::awaitable<void> run(std::string base, std::size_t players, std::size_t subscribers,
                          long seconds, int samples) {
  auto ex = co_await asio::this_coro::executor;
  net::HttpClientOptions options;
  options.max_connections_per_host = subscribers + 128;
  options.request_timeout = std::chrono::seconds(40);
  net::HttpClient http(ex, options);
  Shared s;
  s.base = base;
  {
    net::Request req;
    req.url = base + "/api/player-config";
    auto res = co_await http.request(std::move(req));
    if (!res || res->status != 200) throw std::runtime_error("GET /api/player-config failed");
    s.token = std::string(json::parse(res->body).at("topics").at("token").as_string());
  }
  for (std::size_t i = 0; i < subscribers; ++i)
    asio::co_spawn(ex, subscriber(http, s), asio::detached);
  co_await sleep_ms(500);

  sim::SimulatorOptions so;
  so.players = players;
  so.max_in_flight = 64;
  auto sim = sim::spawn_simulation(ex, so, sim::make_topics_sender(http, base));
  co_await sleep_ms(2000);  // warm-up: every player tracked, count steady
  const auto p0 = co_await publishes(http, base);
  const auto d0 = s.deliveries;
  const auto h0 = sim->stats().ok;
  const auto t0 = Clock::now();
  co_await sleep_ms(seconds * 1000);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto p1 = co_await publishes(http, base);
  const double hb = static_cast<double>(sim->stats().ok - h0) / secs;
  const double pub = static_cast<double>(p1 - p0) / secs;
  const double del = static_cast<double>(s.deliveries - d0) / secs;
  std::printf("fan-out: %zu players, %zu subscribers, %.0f s\n", players, subscribers, secs);
  std::printf("  heartbeats/s        %10.0f\n", hb);
  std::printf("  count publishes/s   %10.1f   original design: %10.0f (one per heartbeat)\n", pub,
              hb);
  std::printf("  deliveries/s        %10.0f   original design: %10.0f (%zu x %.0f)\n", del,
              hb * static_cast<double>(subscribers), subscribers, hb);

  // Freshness: a new player's first heartbeat until a subscriber sees the count include it.
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const auto before = s.last_count;
    const auto sent = Clock::now();
    if (!co_await publish_heartbeat(http, s, "probe" + std::to_string(i))) continue;
    while (s.last_count <= before && Clock::now() - sent < std::chrono::seconds(5))
      co_await sleep_ms(1);
    if (s.last_count > before)
      ms.push_back(std::chrono::duration<double, std::milli>(s.last_change - sent).count());
    co_await sleep_ms(1700);  // the probe leaves the 1.5 s active window
  }
  std::printf(
      "freshness: %zu samples, first heartbeat -> count at a subscriber: p50 %.1f ms, "
      "p99 %.1f ms, max %.1f ms\n",
      ms.size(), percentile(ms, 50), percentile(ms, 99), percentile(ms, 100));
  s.stop = true;
  sim->stop();
  http.shutdown();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string base = argc > 1 ? argv[1] : "http://127.0.0.1:18592";
  const std::size_t players = argc > 2 ? std::stoul(argv[2]) : 1000;
  const std::size_t subscribers = argc > 3 ? std::stoul(argv[3]) : 1000;
  const long seconds = argc > 4 ? std::stol(argv[4]) : 10;
  const int samples = argc > 5 ? std::stoi(argv[5]) : 30;
  asio::io_context ioc(1);
  int status = 0;
  asio::co_spawn(ioc, run(base, players, subscribers, seconds, samples), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::fprintf(stderr, "fanout_bench: %s\n", ex.what());
      status = 1;
    }
  });
  ioc.run();
  return status;
}
