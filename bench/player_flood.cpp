// A flood of made-up players against a running service: N signed webhooks, each a new
// 64-character playerId, from one client over keep-alive connections. Prints the answers and
// the service's resident set before, during and after, to check the cap on players holds
// memory (docs/benchmarks.md).
//
//   build/bench/player_flood PORT SECRET PID [heartbeats=1000000] [connections=4]
#include "streampulse/core/clock.hpp"
#include "streampulse/core/webhook.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace streampulse;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;

namespace {

long rss_kib(const std::string& pid) {
  std::ifstream status("/proc/" + pid + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

std::string event(std::uint64_t i) {
  std::string id = "flood-" + std::to_string(i);
  id.resize(64, 'x');
  const auto now = std::to_string(core::SystemClock().now_ms());
  return R"({"cache":"video","topic":"stream","event_timestamp":)" + now +
         R"(,"publish_timestamp":)" + now + R"(,"topic_sequence_number":)" + std::to_string(i + 1) +
         R"(,"token_id":"","text":"{\"playerId\":\")" + id +
         R"(\",\"bitrate\":800,\"playTime\":3,\"agent\":{\"os\":\"Linux\",\"browser\":)"
         R"(\"Firefox\",\"device\":\"Desktop\"}}"})";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: player_flood PORT SECRET PID [heartbeats] [connections]\n");
    return 2;
  }
  const auto port = static_cast<unsigned short>(std::stoi(argv[1]));
  const std::string secret = argv[2], pid = argv[3];
  const std::uint64_t total = argc > 4 ? std::stoull(argv[4]) : 1'000'000;
  const int conns = argc > 5 ? std::stoi(argv[5]) : 4;
  std::atomic<std::uint64_t> next{0}, ok{0}, refused{0}, other{0};
  const long before = rss_kib(pid);
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int c = 0; c < conns; ++c) {
    workers.emplace_back([&] {
      asio::io_context ioc;
      beast::tcp_stream stream(ioc);
      stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
      beast::flat_buffer buffer;
      for (std::uint64_t i = next++; i < total; i = next++) {
        bh::request<bh::string_body> req{bh::verb::post, "/webhook", 11};
        req.set(bh::field::host, "127.0.0.1");
        req.set(bh::field::content_type, "application/json");
        req.body() = event(i);
        req.set("momento-signature", core::sign_webhook_body(secret, req.body()));
        req.prepare_payload();
        bh::write(stream, req);
        bh::response<bh::string_body> res;
        bh::read(stream, buffer, res);
        if (res.result_int() == 204) {
          ++ok;
        } else if (res.result_int() == 429) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  std::thread sampler([&] {
    while (next.load() < total) {
      std::this_thread::sleep_for(std::chrono::seconds(10));
      std::printf("sent=%llu rss_kib=%ld\n", static_cast<unsigned long long>(next.load()),
                  rss_kib(pid));
      std::fflush(stdout);
    }
  });
  for (auto& w : workers) w.join();
  sampler.join();
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "heartbeats=%llu accepted=%llu refused_429=%llu other=%llu seconds=%.1f "
      "rss_before_kib=%ld rss_after_kib=%ld\n",
      static_cast<unsigned long long>(total), static_cast<unsigned long long>(ok.load()),
      static_cast<unsigned long long>(refused.load()),
      static_cast<unsigned long long>(other.load()), s, before, rss_kib(pid));
  return other.load() == 0 ? 0 : 1;
}
