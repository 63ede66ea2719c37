// The histories per stream of the live dashboard (service/live_dashboard.hpp): made at a stream's
// first active viewer, catalog streams only, dropped when the stream leaves the catalog, and at
// most kMaxStreamHistories at once (the least recently watched gives way).
#include "streampulse/service/live_dashboard.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <set>

using namespace streampulse;
namespace json = boost::json;

namespace {

json::value peak_of(const service::LiveDashboard& live, const std::string& id, core::EpochMs now) {
  return json::parse(live.stream_history_json(id, now)).at("peak");
}

}  // namespace

TEST(StreamHistories, EachStreamRecordsItsOwnCountFromItsFirstViewer) {
  service::LiveDashboard live;
  std::set<std::string> catalog{"main", "show", "quiet"};
  auto listed = [&](const std::string& id) { return catalog.contains(id); };
  live.record_streams(1'000'000, {{"main", 1}, {"show", 2}, {"quiet", 0}}, listed);
  live.record_streams(1'001'000, {{"main", 1}, {"show", 3}}, listed);
  EXPECT_EQ(live.stream_histories.size(), 2u);  // quiet never had a viewer
  EXPECT_EQ(peak_of(live, "show", 1'001'000).at("players"), 3);
  EXPECT_EQ(peak_of(live, "main", 1'001'000).at("players"), 1);
  EXPECT_TRUE(peak_of(live, "quiet", 1'001'000).is_null());
  EXPECT_EQ(live.stream_histories.at("show")->history.second_at(1'000'000), 2u);
  // A stream missing from a tick's counts records 0.
  live.record_streams(1'002'000, {{"main", 1}}, listed);
  EXPECT_EQ(live.stream_histories.at("show")->history.second_at(1'002'000), 0u);
}

TEST(StreamHistories, AStreamLeavingTheCatalogDropsItsHistory) {
  service::LiveDashboard live;
  std::set<std::string> catalog{"main", "show"};
  auto listed = [&](const std::string& id) { return catalog.contains(id); };
  live.record_streams(1'000'000, {{"show", 2}, {"gone", 5}}, listed);
  EXPECT_FALSE(live.stream_histories.contains("gone"));  // not in the catalog: never kept
  catalog.erase("show");
  live.record_streams(1'001'000, {}, listed);
  EXPECT_TRUE(live.stream_histories.empty());
}

TEST(StreamHistories, AtMostTheBoundTheLeastRecentlyWatchedGivingWay) {
  service::LiveDashboard live;
  auto listed = [](const std::string&) { return true; };
  const std::size_t bound = service::LiveDashboard::kMaxStreamHistories;
  core::EpochMs now = 1'000'000;
  for (std::size_t i = 0; i < bound; ++i)
    live.record_streams(now += 1000, {{"s" + std::to_string(i), 1}}, listed);
  EXPECT_EQ(live.stream_histories.size(), bound);
  // s0 was watched longest ago: a new stream takes its place.
  live.record_streams(now += 1000, {{"new", 1}}, listed);
  EXPECT_EQ(live.stream_histories.size(), bound);
  EXPECT_FALSE(live.stream_histories.contains("s0"));
  EXPECT_TRUE(live.stream_histories.contains("new"));
  // Every history watched at this very tick: the newcomer waits (nobody is evicted for it).
  std::map<std::string, std::uint64_t> all;
  for (const auto& [id, h] : live.stream_histories) all[id] = 1;
  all["late"] = 1;
  live.record_streams(now += 1000, all, listed);
  EXPECT_EQ(live.stream_histories.size(), bound);
}
