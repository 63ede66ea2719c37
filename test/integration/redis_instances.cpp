#include "redis_instances.hpp"

#include <boost/json.hpp>

#include <map>
#include <sstream>
#include <string_view>

namespace streampulse::testing {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Instance::Instance(const RedisServer& redis, const std::string& log_level,
                   const std::vector<std::string>& extra_args)
    : port(free_port()) {
  std::vector<std::string> args{"serve",          "--listen",  "127.0.0.1:" + std::to_string(port),
                                "--backend",      "redis",     "--redis-url",
                                redis.unix_url(), "--threads", "1",
                                "--log-level",    log_level};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process = std::make_unique<ChildProcess>(
      STREAMPULSE_BINARY, args,
      std::map<std::string, std::string>{{"STREAMPULSE_ADMIN_TOKEN", "test-admin"}});
}

bool Instance::ready() {
  return wait_healthy(port, 15s) &&
         eventually([&] { return http_get(port, "/readyz").status == 200u; }, 10s);
}

bool Instance::publisher() { return metric(port, "streampulse_count_publisher") == 1.0; }

json::value Instance::players() {
  return json::parse(http_get(port, "/api/dashboard").body).at("players");
}

std::string hb(const std::string& player, int play_time) {
  return R"({"playerId":")" + player + R"(","bitrate":1500,"playTime":)" +
         std::to_string(play_time) + "}";
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

HttpResult Viewer::publish_result(int t) const {
  return http_post(publish_port, "/topics/video/stream", hb(config.player_id, t),
                   {{"authorization", config.token}, {"content-type", "text/plain"}});
}

Audience::Audience(std::vector<Viewer>& viewers, unsigned threads, bool record)
    : viewers_(viewers), threads_(std::max(1u, threads)), record_(record) {
  for (unsigned slice = 0; slice < threads_; ++slice) {
    workers_.emplace_back([this, slice] { run(slice); });
  }
}

Audience::~Audience() {
  running_ = false;
  for (auto& w : workers_) w.join();
}

void Audience::add(Viewer v) {
  std::lock_guard lock(mutex_);
  viewers_.push_back(std::move(v));
}

std::vector<Sample> Audience::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

void Audience::run(unsigned slice) {
  for (int t = 0; running_; ++t) {
    std::vector<Viewer> mine;  // a copy: add() may grow the vector meanwhile
    {
      std::lock_guard lock(mutex_);
      for (std::size_t i = slice; i < viewers_.size(); i += threads_) mine.push_back(viewers_[i]);
    }
    for (const auto& v : mine) {
      if (!running_) break;
      Sample s;
      s.sent = Clock::now();
      try {
        auto r = v.publish_result(t);
        s.status = r.status;
        if (r.status / 100 != 2) s.body = std::move(r.body);
      } catch (const std::exception& e) {
        s.body = e.what();  // an instance killed by the test, or no answer in time
      }
      s.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - s.sent);
      if (s.status != 204u) ++failures;
      if (record_) {
        std::lock_guard lock(mutex_);
        samples_.push_back(std::move(s));
      }
    }
    std::this_thread::sleep_for(500ms);
  }
}

Poll poll_count(unsigned short port, const std::string& token, std::uint64_t next,
                std::uint64_t page) {
  std::string target = "/topics/video/viewerCount";
  if (next > 0) {
    target += "?sequence_number=" + std::to_string(next) + "&sequence_page=" + std::to_string(page);
  }
  const auto r = http_get(port, target, {{"authorization", token}});
  Poll out;
  out.next = next;
  out.page = page;
  out.status = r.status;
  if (r.status != 200u) return out;
  const auto body = json::parse(r.body);  // named: the loop below reads into it
  for (const auto& e : body.at("items").as_array()) {
    if (e.as_object().contains("discontinuity")) {
      out.discontinuity = true;
      continue;
    }
    const auto& item = e.at("item");
    out.numbers.push_back(item.at("topic_sequence_number").to_number<std::uint64_t>());
    out.values.push_back(std::string(item.at("value").at("text").as_string()));
    out.next = out.numbers.back() + 1;
    out.page = item.at("sequence_page").to_number<std::uint64_t>();
  }
  return out;
}

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string error_code(const std::string& body) {
  boost::system::error_code ec;
  const auto v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return {};
  return std::string(v.at("error").as_string());
}

std::string latest_count(unsigned short port, const std::string& token) {
  const Poll p = poll_count(port, token, 0, 0);
  return p.values.empty() ? std::string() : p.values.back();
}

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

}  // namespace streampulse::testing
