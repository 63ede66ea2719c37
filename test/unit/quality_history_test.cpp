// Viewing quality in the core, beyond one heartbeat: log histograms, the history rings, CMCD
// reports and the quality fields' table.
#include "quality_support.hpp"
#include "streampulse/core/audience_index.hpp"
#include "streampulse/core/cmcd.hpp"
#include "streampulse/core/dashboard.hpp"
#include "streampulse/core/log_histogram.hpp"
#include "streampulse/core/quality_fields.hpp"
#include "streampulse/core/viewer_history.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace streampulse::core;
using namespace quality_test;

TEST(LogHistogram, PercentilesAreMeansOfBuckets) {
  LogHistogram h(1000);
  EXPECT_FALSE(h.percentile(0.5));
  for (int i = 0; i < 10; ++i) h.add(h.scaled(5000));
  EXPECT_EQ(h.percentile(0.5), 5000);  // exact when the values are equal
  EXPECT_EQ(h.percentile(0.95), 5000);
  h.add(h.scaled(0.25));
  h.remove(h.scaled(5000));
  EXPECT_EQ(h.count(), 10u);
  EXPECT_EQ(h.percentile(0.05), 0.25);
  for (int i = 0; i < 9; ++i) h.remove(h.scaled(5000));
  EXPECT_EQ(h.percentile(0.95), 0.25);
  h.add(h.scaled(1e15));  // beyond the top: the last bucket
  EXPECT_EQ(h.percentile(1), 1e15);
}

TEST(ViewerHistory, RingsKeepTheMaximumPerSecondAndMinute) {
  ViewerHistory h;
  const EpochMs t0 = 1'764'000'000'000;
  h.record(t0, 3);
  h.record(t0 + 400, 5);
  h.record(t0 + 900, 4);
  h.record(t0 + 1000, 1);
  EXPECT_EQ(h.second_at(t0), 5u);
  EXPECT_EQ(h.second_at(t0 + 1000), 1u);
  EXPECT_EQ(h.minute_at(t0), 5u);
  EXPECT_EQ(h.peak().players, 5u);
  EXPECT_EQ(h.peak().at, t0 + 400);
  // An hour later the second has been overwritten; the minute is still there for a day.
  h.record(t0 + 3'600'000, 2);
  EXPECT_FALSE(h.second_at(t0));
  EXPECT_EQ(h.minute_at(t0), 5u);
  h.record(t0 + 86'400'000, 0);
  EXPECT_FALSE(h.minute_at(t0));
}

TEST(ViewerHistory, JsonRoundTrips) {
  ViewerHistory h;
  const EpochMs t0 = 1'764'000'000'000;
  for (int i = 0; i < 5; ++i) h.record(t0 + i * 1000, static_cast<std::uint64_t>(i));
  const auto text = h.to_json(t0 + 4000);
  auto doc = boost::json::parse(text).as_object();
  const auto& counts = doc.at("perSecond").at("counts").as_array();
  ASSERT_EQ(counts.size(), ViewerHistory::kSeconds);
  EXPECT_EQ(counts.back().as_int64(), 4);
  EXPECT_TRUE(counts[counts.size() - 6].is_null());
  EXPECT_EQ(doc.at("peak").at("players").as_int64(), 4);

  ViewerHistory back;
  ASSERT_TRUE(back.restore(text));
  EXPECT_EQ(back.second_at(t0 + 2000), 2u);
  EXPECT_EQ(back.peak().at, t0 + 4000);
  EXPECT_FALSE(back.restore("{}"));
}

TEST(Cmcd, ReportsMapOntoHeartbeats) {
  auto r = parse_cmcd(
      R"([{"v":2,"sid":"s-1","br":[3200],"mtp":25400,"bs":true,"bsd":450,"sta":"r","e":"ps",)"
      R"("bl":2100,"df":7,"cid":"x"},{"sid":"s-1","e":"e","sta":"p"}])");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  auto first = parse(cmcd_heartbeat_json((*r)[0], std::nullopt));
  EXPECT_EQ(first.player_id, "s-1");
  EXPECT_EQ(first.bitrate, 3200);
  EXPECT_EQ(first.throughput_bps, 25'400'000);
  EXPECT_EQ(first.rebuffer_count, 1u);
  EXPECT_EQ(first.rebuffer_ms, 450);
  EXPECT_EQ(first.dropped_frames, 7u);
  EXPECT_EQ(first.state, PlayState::buffering);
  EXPECT_FALSE(first.errors);
  // The second keeps the player's bitrate and play time.
  Heartbeat latest = first;
  latest.play_time = 30;
  auto second = parse(cmcd_heartbeat_json((*r)[1], latest));
  EXPECT_EQ(second.bitrate, 3200);
  EXPECT_EQ(second.play_time, 30);
  EXPECT_EQ(second.errors, 1u);
  EXPECT_EQ(second.state, PlayState::playing);
}

TEST(Cmcd, ProblemsNameTheKey) {
  auto key_of = [](std::string_view json) {
    auto r = parse_cmcd(json);
    return r ? std::string("(valid)") : r.error().field;
  };
  EXPECT_EQ(key_of(R"({"br":1})"), "sid");
  EXPECT_EQ(key_of(R"({"sid":"has space"})"), "sid");
  EXPECT_EQ(key_of(R"({"sid":"a","br":"fast"})"), "br");
  EXPECT_EQ(key_of(R"({"sid":"a","bs":1})"), "bs");
  EXPECT_EQ(key_of(R"({"sid":"a","v":3})"), "v");
  EXPECT_EQ(key_of(R"([{"sid":"a"},{"sid":"b","mtp":-1}])"), "[1].mtp");
  EXPECT_EQ(key_of(R"([])"), "");
  EXPECT_EQ(key_of(R"(nope)"), "");
  EXPECT_EQ(key_of(R"({"sid":"a","sta":"p","unknownKey":1})"), "(valid)");
}

// The rows of kQualityFields (core/quality_fields.hpp), each on its own: a row added later is
// covered without a new test.
TEST(QualityFields, EachRowIsParsedBoundedStoredAndTotalled) {
  const std::string base = R"({"playerId":"p","bitrate":1,"playTime":2,)";
  for_each_quality_field([&](const auto& field, std::size_t) {
    const std::string key(field.key);
    SCOPED_TRACE(key);
    // A value in bounds is read into its member, stored and read back.
    const auto hb = parse(base + "\"" + key + "\":3}");
    ASSERT_TRUE(hb.*field.heartbeat);
    EXPECT_EQ(static_cast<double>(*(hb.*field.heartbeat)), 3);
    const auto stored = parse_analytics_json("p", to_analytics_json(hb));
    ASSERT_TRUE(stored);
    const Heartbeat& back = *stored;
    EXPECT_EQ(back.*field.heartbeat, hb.*field.heartbeat);
    // Past its bound, negative or not a number: refused, naming the field.
    EXPECT_EQ(field_of(base + "\"" + key + "\":" + fmt::format("{}", field.max * 2) + "}"), key);
    EXPECT_EQ(field_of(base + "\"" + key + "\":-1}"), key);
    EXPECT_EQ(field_of(base + "\"" + key + "\":\"3\"}"), key);
    if (field.integer) {
      EXPECT_EQ(field_of(base + "\"" + key + "\":1.5}"), key);
    }
    // Two players that report it: counted as reporting, and totalled.
    AudienceIndex index;
    index.upsert(hb, 1000);
    auto other = hb;
    other.player_id = "q";
    index.upsert(other, 1000);
    index.upsert(parse(R"({"playerId":"r","bitrate":1,"playTime":2})"), 1000);
    const QualityMetrics q = make_quality(index.totals(1000).quality, 3);
    EXPECT_EQ(q.*field.reporting, 2u);
    if (field.tally == Tally::percentiles) {
      EXPECT_NEAR(*(q.*field.figure_p50), 3, 3 * 0.13);
    } else {
      EXPECT_EQ(static_cast<double>(*(q.*field.figure)), 6);
    }
    // A delta adds up per player; a latest value replaces the last one.
    index.upsert(hb, 2000);
    const auto after = index.accumulated(hb);
    EXPECT_EQ(static_cast<double>(*(after.*field.heartbeat)),
              field.accrual == Accrual::delta ? 9 : 3);
  });
}
