#include "streampulse/sim/population.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <unordered_set>

namespace streampulse::sim {
namespace {

template <typename T>
struct Weighted {
  T value;
  double weight;
};

template <typename T, std::size_t N>
const T& pick(const Weighted<T> (&choices)[N], std::mt19937_64& rng) {
  double total = 0;
  for (const auto& c : choices) total += c.weight;
  double x = std::uniform_real_distribution<double>(0, total)(rng);
  for (const auto& c : choices) {
    if (x < c.weight) return c.value;
    x -= c.weight;
  }
  return choices[N - 1].value;
}

// Rough shares of video viewers by platform (StatCounter-like): mobile-heavy, and browser and
// device consistent with the OS (Safari only on Apple systems, Samsung Internet only on Android).
constexpr Weighted<const char*> kOs[] = {
    {"Android", 38}, {"Windows", 28}, {"iOS", 18}, {"macOS", 10}, {"Linux", 6}};

constexpr Weighted<const char*> kWindowsBrowsers[] = {
    {"Google Chrome", 68}, {"Microsoft Edge", 20}, {"Firefox", 8}, {"Opera", 4}};
constexpr Weighted<const char*> kMacBrowsers[] = {
    {"Safari", 48}, {"Google Chrome", 40}, {"Firefox", 6}, {"Microsoft Edge", 4}, {"Opera", 2}};
constexpr Weighted<const char*> kLinuxBrowsers[] = {
    {"Google Chrome", 58}, {"Firefox", 34}, {"Opera", 5}, {"Microsoft Edge", 3}};
constexpr Weighted<const char*> kAndroidBrowsers[] = {{"Google Chrome", 64},
                                                      {"Samsung Internet", 22},
                                                      {"Opera", 7},
                                                      {"Firefox", 4},
                                                      {"Microsoft Edge", 3}};
constexpr Weighted<const char*> kIosBrowsers[] = {
    {"Safari", 82}, {"Google Chrome", 14}, {"Firefox", 2}, {"Microsoft Edge", 1}, {"Opera", 1}};

constexpr Weighted<const char*> kPcDevices[] = {{"Desktop", 97}, {"Tablet", 3}};
constexpr Weighted<const char*> kMobileDevices[] = {{"Mobile", 82}, {"Tablet", 18}};

// Initial rendition by device: phones start lower, desktops mostly at the top.
constexpr Weighted<std::size_t> kDesktopLevels[] = {{0, 5}, {1, 15}, {2, 35}, {3, 45}};
constexpr Weighted<std::size_t> kMobileLevels[] = {{0, 20}, {1, 40}, {2, 30}, {3, 10}};
constexpr Weighted<std::size_t> kTabletLevels[] = {{0, 10}, {1, 25}, {2, 40}, {3, 25}};

constexpr std::size_t kLevels = std::size(kBitrateLadderKbps);

std::string random_id(std::mt19937_64& rng) {
  static constexpr char kBase36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::uniform_int_distribution<int> digit(0, 35);
  std::string id = "sim-";
  for (int i = 0; i < 10; ++i) id += kBase36[digit(rng)];
  return id;
}

}  // namespace

bool is_valid_player_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Agent random_agent(std::mt19937_64& rng) {
  Agent a;
  a.os = pick(kOs, rng);
  if (a.os == "Windows") {
    a.browser = pick(kWindowsBrowsers, rng);
    a.device = pick(kPcDevices, rng);  // 2-in-1 tablets
  } else if (a.os == "macOS") {
    a.browser = pick(kMacBrowsers, rng);
    a.device = "Desktop";
  } else if (a.os == "Linux") {
    a.browser = pick(kLinuxBrowsers, rng);
    a.device = "Desktop";
  } else if (a.os == "Android") {
    a.browser = pick(kAndroidBrowsers, rng);
    a.device = pick(kMobileDevices, rng);
  } else {
    a.browser = pick(kIosBrowsers, rng);
    a.device = pick(kMobileDevices, rng);  // iPads
  }
  return a;
}

Player make_player(std::mt19937_64& rng, core::EpochMs now_ms) {
  Player p;
  p.id = random_id(rng);
  p.agent = random_agent(rng);
  if (p.agent.device == "Desktop") {
    p.level = pick(kDesktopLevels, rng);
  } else if (p.agent.device == "Mobile") {
    p.level = pick(kMobileLevels, rng);
  } else {
    p.level = pick(kTabletLevels, rng);
  }
  p.started_ms = now_ms;
  // Some viewers were already watching when the simulation started.
  p.initial_play_time_s = std::uniform_int_distribution<int>(0, 600)(rng);
  // Startup times spread as field data does: most within 1-2 s, a long tail past 5 s.
  p.quality.startup_ms = std::min(20'000.0, std::lognormal_distribution<double>(7.0, 0.6)(rng));
  p.quality.failed_start = std::uniform_real_distribution<double>(0, 1)(rng) < 0.02;
  return p;
}

std::vector<Player> make_population(std::size_t n, std::mt19937_64& rng, core::EpochMs now_ms) {
  std::vector<Player> players;
  players.reserve(n);
  std::unordered_set<std::string> ids;
  while (players.size() < n) {
    Player p = make_player(rng, now_ms);
    if (ids.insert(p.id).second) players.push_back(std::move(p));
  }
  return players;
}

int bitrate_kbps(const Player& p) { return kBitrateLadderKbps[std::min(p.level, kLevels - 1)]; }

int play_time_s(const Player& p, core::EpochMs now_ms) {
  const core::EpochMs elapsed = std::max<core::EpochMs>(0, now_ms - p.started_ms);
  return p.initial_play_time_s + static_cast<int>(elapsed / 1000);
}

void maybe_switch_bitrate(Player& p, std::mt19937_64& rng) {
  // About one switch per minute at a 750 ms heartbeat, slightly biased upwards (ABR ramp-up).
  if (std::uniform_real_distribution<double>(0, 1)(rng) >= 0.0125) return;
  const bool up = std::uniform_real_distribution<double>(0, 1)(rng) < 0.55;
  if (up && p.level + 1 < kLevels) {
    ++p.level;
  } else if (!up && p.level > 0) {
    --p.level;
  }
}

void append_quality_fields(std::string& body, Player& p, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  PlaybackQuality& q = p.quality;
  auto field = [&body](std::string_view key, double v) {
    body += ",\"";
    body += key;
    body += "\":";
    body += std::to_string(std::llround(v));
  };
  if (q.heartbeats++ == 0 && q.failed_start) {
    // The page's report of a failed start: the error, nothing played yet.
    field("errors", 1);
    body += ",\"state\":\"buffering\"";
    return;
  }
  // As the page: once started, the stall deltas and the error delta every time (0 mostly).
  field("startupMs", q.startup_ms);
  const bool stall = unit(rng) < 0.004;  // a stall every few minutes of watching
  field("rebufferCount", stall ? 1 : 0);
  field("rebufferMs", stall ? std::uniform_real_distribution<double>(200, 4000)(rng) : 0);
  field("errors", unit(rng) < 0.0002 ? 1 : 0);
  // hls.js's bandwidth estimate: a few times the rendition's bitrate.
  field("throughputBps",
        bitrate_kbps(p) * 1000.0 * std::uniform_real_distribution<double>(1.3, 4)(rng));
  if (unit(rng) < 0.05) q.dropped_frames += std::uniform_int_distribution<int>(1, 5)(rng);
  field("droppedFrames", static_cast<double>(q.dropped_frames));
  body += stall ? ",\"state\":\"buffering\"" : ",\"state\":\"playing\"";
}

std::string heartbeat_json(const Player& p, core::EpochMs now_ms) {
  boost::json::object agent;
  agent["os"] = p.agent.os;
  agent["browser"] = p.agent.browser;
  agent["device"] = p.agent.device;
  boost::json::object hb;
  hb["playerId"] = p.id;
  hb["bitrate"] = bitrate_kbps(p);
  hb["playTime"] = play_time_s(p, now_ms);
  hb["agent"] = std::move(agent);
  return boost::json::serialize(hb);
}

}  // namespace streampulse::sim
