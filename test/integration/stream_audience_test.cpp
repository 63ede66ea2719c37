// Heartbeats, tokens and counts per stream (issue 15, part 2) through a real server, on the
// embedded backend and on the Momento backend against the fake: a heartbeat names its stream
// (none: the default stream's), an unknown stream is a 400 that records nothing, a viewer token
// publishes and reads for its own stream only, each stream's count goes to its own topic, and
// GET /api/streams and /api/dashboard?stream= give each stream's figures.
#include "api_helpers.hpp"
#include "backends.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <thread>

using namespace streampulse;
using namespace streampulse::testing;
using namespace streampulse::testing::api_helpers;
namespace json = boost::json;
namespace bh = boost::beast::http;
using namespace std::chrono_literals;

namespace {

struct StreamViewer {
  std::string player_id, token, count_topic, report_token;
};

StreamViewer viewer_of(unsigned short port, const std::string& stream) {
  const auto r = http_get(port, "/api/player-config?stream=" + stream);
  EXPECT_EQ(r.status, 200u) << r.body;
  const auto cfg = json::parse(r.body);
  return {std::string(cfg.at("playerId").as_string()),
          std::string(cfg.at("topics").at("token").as_string()),
          std::string(cfg.at("topics").at("viewerCountTopic").as_string()),
          std::string(cfg.at("reportToken").as_string())};
}

HttpResult publish(unsigned short topics_port, const std::string& token, const std::string& body) {
  return http_post(topics_port, "/topics/video/stream", body,
                   {{"authorization", token}, {"content-type", "text/plain"}});
}

json::value players(unsigned short port, const std::string& query = {}) {
  return json::parse(http_get(port, "/api/dashboard" + query).body).at("players");
}

// Follows `topic` as the player page does until it reads `want` (or 5 s pass); the last value.
std::string follow_count(unsigned short topics, const std::string& token, const std::string& topic,
                         const std::string& want) {
  std::uint64_t seq = 0, page = 0;
  std::string last;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (last != want && std::chrono::steady_clock::now() < deadline) {
    auto r = http_get(topics,
                      "/topics/video/" + topic + "?sequence_number=" + std::to_string(seq) +
                          "&sequence_page=" + std::to_string(page),
                      {{"authorization", token}});
    if (r.status != 200u) return "HTTP " + std::to_string(r.status) + " " + r.body;
    const auto doc = json::parse(r.body);  // named: a range-for over a temporary's member dangles
    for (const auto& item : doc.at("items").as_array()) {
      if (const auto* it = item.as_object().if_contains("item")) {
        last = std::string(it->at("value").at("text").as_string());
        seq = it->at("topic_sequence_number").to_number<std::uint64_t>() + 1;
        page = it->at("sequence_page").to_number<std::uint64_t>();
      }
    }
  }
  return last;
}

class StreamAudience : public ::testing::TestWithParam<Backend> {};

}  // namespace

TEST_P(StreamAudience, AnUnknownStreamIsRefusedByNameAndRecordsNothing) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  const auto r = send_webhook(port, hb("p1", "nope"));
  ASSERT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(error_code(r), "unknown_stream");
  EXPECT_NE(r.body.find("nope"), std::string::npos) << r.body;
  const auto bad = send_webhook(port, hb("p1", "a/b"));
  EXPECT_EQ(bad.status, 400u) << bad.body;
  EXPECT_EQ(players(port), json::parse(R"({"active":0,"total":0})"));
  // The original's heartbeat, without a stream, is the default stream's.
  EXPECT_EQ(send_webhook(port, hb("p1")).status, 204u);
  EXPECT_EQ(send_webhook(port, hb("p2", "main")).status, 204u);
  EXPECT_EQ(players(port), json::parse(R"({"active":2,"total":2})"));
}

TEST_P(StreamAudience, ATokenPublishesAndReadsForItsOwnStreamOnly) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  add_stream(port, "show");
  const auto v = viewer_of(port, "show");
  EXPECT_EQ(v.count_topic, "viewerCount-show");
  const auto topics = service.topics_port();
  const std::map<std::string, std::string> auth{{"authorization", v.token}};
  // Its own stream's count topic, not another's.
  EXPECT_EQ(http_get(topics, "/topics/video/viewerCount", auth).status, 403u);
  if (GetParam() != Backend::momento) {
    // Heartbeats for another stream (or none: the default's) are refused at once ...
    const auto wrong = publish(topics, v.token, hb(v.player_id, "main"));
    ASSERT_EQ(wrong.status, 403u) << wrong.body;
    EXPECT_EQ(error_code(wrong), "wrong_stream");
    EXPECT_EQ(publish(topics, v.token, hb(v.player_id)).status, 403u);
    const auto unknown = publish(topics, v.token, hb(v.player_id, "nope"));
    EXPECT_EQ(unknown.status, 400u) << unknown.body;
    EXPECT_EQ(error_code(unknown), "unknown_stream");
  } else {
    // ... Momento takes any message; the service reads and refuses it.
    EXPECT_EQ(publish(topics, v.token, hb(v.player_id, "main")).status, 204u);
  }
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(players(port), json::parse(R"({"active":0,"total":0})"));
  // ... and its own stream's are counted.
  EXPECT_EQ(publish(topics, v.token, hb(v.player_id, "show")).status, 204u);
  EXPECT_TRUE(eventually([&] { return players(port).at("active") == 1; })) << players(port);
  // The default stream's token (no ?stream=) keeps the original's behaviour.
  const auto original = viewer_of(port, "main");
  EXPECT_EQ(original.count_topic, "viewerCount");
  EXPECT_EQ(publish(topics, original.token, hb(original.player_id)).status, 204u);
  EXPECT_TRUE(eventually([&] { return players(port).at("active") == 2; })) << players(port);
  const auto other = publish(topics, original.token, hb(original.player_id, "show"));
  if (GetParam() != Backend::momento) {
    EXPECT_EQ(other.status, 403u) << other.body;
  }
}

TEST_P(StreamAudience, EachStreamsTopicCarriesItsOwnCount) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  const auto topics = service.topics_port();
  add_stream(port, "show");
  add_stream(port, "quiet");
  // Two viewers of the show, one of the default stream (the original's heartbeat, no streamId).
  const auto a = viewer_of(port, "show");
  const auto b = viewer_of(port, "show");
  const auto c = viewer_of(port, "main");
  ASSERT_EQ(publish(topics, a.token, hb(a.player_id, "show")).status, 204u);
  ASSERT_EQ(publish(topics, b.token, hb(b.player_id, "show")).status, 204u);
  ASSERT_EQ(publish(topics, c.token, hb(c.player_id)).status, 204u);
  EXPECT_EQ(follow_count(topics, a.token, a.count_topic, "2"), "2");
  EXPECT_EQ(follow_count(topics, c.token, "viewerCount", "1"), "1");
  EXPECT_TRUE(eventually([&] { return players(port).at("active") == 3; })) << players(port);
  // GET /api/streams and the dashboards per stream say the same.
  json::object listed;
  EXPECT_TRUE(eventually([&] {
    const auto doc = json::parse(http_get(port, "/api/streams").body);  // named: see above
    for (const auto& st : doc.at("streams").as_array())
      listed[st.at("id").as_string()] = st.at("players");
    return listed["show"] == json::parse(R"({"active":2,"total":2})") &&
           listed["main"] == json::parse(R"({"active":1,"total":1})");
  })) << json::serialize(listed);
  EXPECT_EQ(listed["quiet"], json::parse(R"({"active":0,"total":0})"));
  EXPECT_EQ(players(port, "?stream=show"), json::parse(R"({"active":2,"total":2})"));
  EXPECT_EQ(players(port, "?stream=main"), json::parse(R"({"active":1,"total":1})"));
  EXPECT_EQ(players(port, "?stream=quiet"), json::parse(R"({"active":0,"total":0})"));
  EXPECT_EQ(players(port), json::parse(R"({"active":3,"total":3})"));
  const auto shown = json::parse(http_get(port, "/api/dashboard?stream=show").body);
  EXPECT_EQ(shown.at("bitrates"), json::parse(R"({"min":1000,"max":1000,"average":1000})"));
  const auto unknown = http_get(port, "/api/dashboard?stream=nope");
  EXPECT_EQ(unknown.status, 404u) << unknown.body;
  EXPECT_EQ(error_code(unknown), "stream_not_found");
  // The show's peak is its highest count so far.
  EXPECT_TRUE(eventually([&] {
    const auto doc = json::parse(http_get(port, "/api/streams").body);  // named: see above
    for (const auto& st : doc.at("streams").as_array())
      if (st.at("id").as_string() == "show" && st.at("peak").is_object())
        return st.at("peak").at("players") == 2;
    return false;
  }));
  // A stream nobody watches gets no publishes at all.
  if (auto* fake = service.fake()) {
    EXPECT_TRUE(fake->published("viewerCount-quiet").empty());
    EXPECT_EQ(fake->published("viewerCount-show").back(), "2");
  }
}

TEST_P(StreamAudience, APlayerMovesToTheStreamItsLatestHeartbeatNames) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  add_stream(port, "show");
  // The operator's own credential (no token) may report for any stream.
  ASSERT_EQ(send_webhook(port, hb("p1", "main")).status, 204u);
  EXPECT_EQ(players(port, "?stream=main"), json::parse(R"({"active":1,"total":1})"));
  ASSERT_EQ(send_webhook(port, hb("p1", "show")).status, 204u);
  EXPECT_EQ(players(port, "?stream=main"), json::parse(R"({"active":0,"total":0})"));
  EXPECT_EQ(players(port, "?stream=show"), json::parse(R"({"active":1,"total":1})"));
  EXPECT_EQ(players(port), json::parse(R"({"active":1,"total":1})"));
}

TEST_P(StreamAudience, CmcdReportsCountUnderTheirTokensStream) {
  ServiceOn service(GetParam());
  const auto port = service.port();
  add_stream(port, "show");
  const auto v = viewer_of(port, "show");
  const std::string report = R"({"v":2,"sid":")" + v.player_id + R"(","br":2400,"sta":"p"})";
  const auto r =
      http_post(port, "/cmcd", report,
                {{"content-type", "application/json"}, {"authorization", v.report_token}});
  ASSERT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(players(port, "?stream=show"), json::parse(R"({"active":1,"total":1})"));
  EXPECT_EQ(players(port, "?stream=main"), json::parse(R"({"active":0,"total":0})"));
}

INSTANTIATE_TEST_SUITE_P(Backends, StreamAudience, ::testing::ValuesIn(all_backends()),
                         backend_name);
