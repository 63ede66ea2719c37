// Streams in /metrics and across a restart (issue 15): `stream`-labelled series for the top
// streams by active players and one `stream="(other)"` series for the rest, through a real
// server on both backends; and, with a data dir, players restored under the stream their last
// heartbeat named (the stored analytics entry carries it).
#include "api_helpers.hpp"
#include "backends.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <unistd.h>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

using namespace streampulse;
using namespace streampulse::testing;
using namespace streampulse::testing::api_helpers;
namespace json = boost::json;
namespace bh = boost::beast::http;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void beat(unsigned short port, const std::string& player, const std::string& stream = {}) {
  const auto r = send_webhook(port, hb(player, stream));
  ASSERT_EQ(r.status, 204u) << r.body;
}

// Every sample of a family: its labels ("" without) -> value.
std::map<std::string, double> samples(const std::string& text, const std::string& name) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind(name, 0) != 0) continue;
    const auto rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != '{' && rest[0] != ' ')) continue;  // another family
    const auto space = rest.rfind(' ');
    out[rest.substr(0, space)] = std::stod(rest.substr(space + 1));
  }
  return out;
}

std::string metrics(unsigned short port) {
  const auto r = http_get(port, "/metrics");
  EXPECT_EQ(r.status, 200u);
  return r.body;
}

// The labels of one stream's sample.
std::string on(const std::string& stream) { return "{stream=\"" + stream + "\"}"; }

double sum(const std::map<std::string, double>& m) {
  double s = 0;
  for (const auto& [k, v] : m) s += v;
  return s;
}

class StreamMetrics : public ::testing::TestWithParam<Backend> {};

}  // namespace

TEST_P(StreamMetrics, EachStreamHasItsSeriesAndTheSumIsTheWholeAudience) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  add_stream(port, "show");
  add_stream(port, "quiet");
  beat(port, "p1", "show");
  beat(port, "p2", "show");
  beat(port, "p3");  // no streamId: the default stream's
  std::map<std::string, double> tracked;
  EXPECT_TRUE(eventually([&] {
    tracked = samples(metrics(port), "streampulse_stream_players_tracked");
    return tracked[on("show")] == 2 && tracked[on("main")] == 1;
  }));
  EXPECT_EQ(tracked, (std::map<std::string, double>{
                         {on("(other)"), 0}, {on("main"), 1}, {on("quiet"), 0}, {on("show"), 2}}));
  const auto text = metrics(port);
  EXPECT_EQ(samples(text, "streampulse_streams")[""], 3);
  const auto active = samples(text, "streampulse_stream_players_active");
  EXPECT_EQ(active.size(), 4u);
  EXPECT_EQ(sum(active), samples(text, "streampulse_players_active")[""]) << text;
  EXPECT_EQ(text.find("streampulse_stream_players_peak{stream=\"(other)\"}"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, StreamMetrics,
                         ::testing::Values(Backend::embedded, Backend::momento), backend_name);

// Past the top 20, streams are summed into one series: the series stay bounded.
TEST(StreamMetricsBound, TheTopTwentyStreamsAndOneSeriesForTheRest) {
  ServiceOn service(Backend::embedded);
  const auto port = service.port();
  std::vector<std::string> ids;
  for (int k = 0; k < 24; ++k) {
    ids.push_back(std::string(k < 10 ? "s0" : "s") + std::to_string(k));
    add_stream(port, ids.back());
  }
  for (const auto& id : ids) beat(port, "v-" + id, id);
  beat(port, "v2-s05", "s05");  // the biggest: 2
  std::map<std::string, double> tracked;
  EXPECT_TRUE(eventually([&] {
    tracked = samples(metrics(port), "streampulse_stream_players_tracked");
    return tracked[on("s05")] == 2;
  }));
  // s05, then 19 streams of one player by id (s00..s19 but s05); s20..s23 and main are the rest.
  EXPECT_EQ(tracked.size(), 21u);
  for (int k = 0; k < 20; ++k) {
    const std::string id = std::string(k < 10 ? "s0" : "s") + std::to_string(k);
    EXPECT_EQ(tracked[on(id)], k == 5 ? 2 : 1) << id;
  }
  EXPECT_EQ(tracked[on("(other)")], 4);
  EXPECT_EQ(tracked.count(on("main")), 0u);
  const auto text = metrics(port);
  EXPECT_EQ(samples(text, "streampulse_streams")[""], 25);
  EXPECT_EQ(sum(samples(text, "streampulse_stream_players_tracked")),
            samples(text, "streampulse_players_tracked")[""]);
  EXPECT_EQ(sum(samples(text, "streampulse_stream_players_active")),
            samples(text, "streampulse_players_active")[""]);
}

// A restart from the data dir (snapshot and journal): each player counts under its stream again
// at once, not under the default stream until its next heartbeat.
TEST(StreamRestore, RestoredPlayersKeepTheirStream) {
  auto config = test_config();
  config.data_dir =
      (fs::temp_directory_path() / ("streampulse-stream-restore-" + std::to_string(getpid())))
          .string();
  fs::remove_all(config.data_dir);
  const auto figures = [](unsigned short port) {
    json::object out;
    const auto doc = json::parse(http_get(port, "/api/streams").body);  // named: see below
    for (const auto& st : doc.at("streams").as_array())
      out[st.at("id").as_string()] = st.at("players").at("total");
    return out;
  };
  const json::object want{{"main", 1}, {"show", 2}};
  {
    TestServer first(config);
    add_stream(first.port(), "show");
    beat(first.port(), "p1", "show");
    beat(first.port(), "p2", "show");
    beat(first.port(), "p3");
    EXPECT_TRUE(eventually([&] { return figures(first.port()) == want; }))
        << json::serialize(figures(first.port()));
  }  // a graceful stop: the snapshot is written
  {
    TestServer second(config);
    EXPECT_EQ(figures(second.port()), want) << json::serialize(figures(second.port()));
    const auto show = json::parse(http_get(second.port(), "/api/dashboard?stream=show").body);
    EXPECT_EQ(show.at("players").at("total"), 2);
    EXPECT_EQ(samples(metrics(second.port()), "streampulse_stream_players_tracked")[on("show")], 2);
    // A heartbeat after the restart keeps the player where it was (no move, no double count).
    beat(second.port(), "p1", "show");
    EXPECT_EQ(figures(second.port()), want) << json::serialize(figures(second.port()));
  }
  {
    // A player recorded after a restart is kept through the next one.
    TestServer third(config);
    beat(third.port(), "p4", "show");
    EXPECT_TRUE(eventually([&] {
      return figures(third.port()) == json::object{{"main", 1}, {"show", 3}};
    }));
  }
  {
    TestServer fourth(config);
    EXPECT_EQ(figures(fourth.port()), (json::object{{"main", 1}, {"show", 3}}))
        << json::serialize(figures(fourth.port()));
  }
  fs::remove_all(config.data_dir);
}

// On Momento, an instance starting loads the players from `analytics` and counts each under
// its stream at once (the catalog from the `streams` dictionary first).
TEST(StreamRestore, OnMomentoAStartingInstanceLoadsPlayersUnderTheirStream) {
  FakeMomento fake(FakeMomentoOptions{});
  const auto config = momento_config(fake);
  const auto figures = [](unsigned short port) {
    json::object out;
    const auto doc = json::parse(http_get(port, "/api/streams").body);  // named: a temporary
    for (const auto& st : doc.at("streams").as_array())
      out[st.at("id").as_string()] = st.at("players").at("total");
    return out;
  };
  const json::object want{{"main", 1}, {"show", 2}};
  {
    TestServer first(config);
    add_stream(first.port(), "show");
    beat(first.port(), "p1", "show");
    beat(first.port(), "p2", "show");
    beat(first.port(), "p3");
    EXPECT_TRUE(eventually([&] { return figures(first.port()) == want; }))
        << json::serialize(figures(first.port()));
  }
  TestServer second(config);
  EXPECT_EQ(figures(second.port()), want) << json::serialize(figures(second.port()));
  const auto show = json::parse(http_get(second.port(), "/api/dashboard?stream=show").body);
  EXPECT_EQ(show.at("players").at("total"), 2);
}
