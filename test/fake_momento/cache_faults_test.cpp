// HTTP API cache scalars, injected faults, and the /_fake control routes.
#include "fake_momento.hpp"
#include "test_client.hpp"

#include "streampulse/momento/messages.hpp"
#include "streampulse/momento/methods.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace streampulse::testing {
namespace {

namespace m = momento;
using verb = boost::beast::http::verb;
using m::GrpcCode;
using namespace std::chrono_literals;

const std::map<std::string, std::string> kKey{{"Authorization", "fake-service-key"}};

Faults failing(int status, int count, std::string prefix = {}) {
  Faults f;
  f.fail_status = status;
  f.fail_count = count;
  f.path_prefix = std::move(prefix);
  return f;
}

TEST(FakeCache, ScalarsByQueryAndPath) {
  FakeMomento fake;
  const auto port = fake.port();
  EXPECT_EQ(send(port, verb::put, "/cache/video?key=k1&ttl_seconds=60", "v1", kKey).status, 204u);
  auto got = send(port, verb::get, "/cache/video?key=k1", {}, kKey);
  EXPECT_EQ(got.status, 200u);
  EXPECT_EQ(got.body, "v1");
  EXPECT_EQ(got.headers["content-type"], "application/octet-stream");
  // key_base64 "k1" = "azE"; the path form with '/' in the key.
  EXPECT_EQ(send(port, verb::get, "/cache/video?key_base64=azE", {}, kKey).body, "v1");
  EXPECT_EQ(send(port, verb::put, "/cache/video/live/seg1.ts?ttl_seconds=60", "ts", kKey).status,
            204u);
  EXPECT_EQ(send(port, verb::get, "/cache/video/live/seg1.ts", {}, kKey).body, "ts");
  EXPECT_EQ(send(port, verb::delete_, "/cache/video?key=k1", {}, kKey).status, 204u);
  auto miss = send(port, verb::get, "/cache/video?key=k1", {}, kKey);
  EXPECT_EQ(miss.status, 404u);
  EXPECT_EQ(miss.body, "Key Not Found");
  auto no_cache = send(port, verb::get, "/cache/other?key=k1", {}, kKey);
  EXPECT_EQ(no_cache.status, 404u);
  EXPECT_EQ(no_cache.body, "Cache Not Found");
  EXPECT_EQ(send(port, verb::put, "/cache/video?key=k", "v", kKey).status, 400u);  // no TTL
  EXPECT_EQ(send(port, verb::get, "/cache/video?key=k1").status, 401u);
  // The gRPC scalar methods share the store.
  cache_client::_GetRequest get;
  get.set_cache_key("live/seg1.ts");
  auto r = grpc(port, std::string(m::methods::kGet), get, {"fake-service-key"});
  cache_client::_GetResponse res;
  ASSERT_TRUE(res.ParseFromString(r.messages.at(0)));
  EXPECT_EQ(res.cache_body(), "ts");
}

TEST(FakeCache, ScalarSizeLimit) {
  FakeMomentoOptions o;
  o.max_item_bytes = 1000;
  FakeMomento fake(o);
  auto r = send(fake.port(), verb::put, "/cache/video?key=k&ttl_seconds=5", std::string(2000, 'x'),
                kKey);
  EXPECT_EQ(r.status, 400u);
}

const auto kLength = std::string(m::methods::kDictionaryLength);

TEST(FakeFaults, FailStatusForHttpAndGrpc) {
  FakeMomento fake;
  fake.set_faults(failing(429, 2));
  auto grpc_fail = grpc(fake.port(), kLength, m::make_dictionary_length("d"), {"fake-service-key"});
  EXPECT_EQ(grpc_fail.status.code, GrpcCode::resource_exhausted);
  EXPECT_EQ(grpc_fail.status.err, "operations_rate_limit_exceeded");
  EXPECT_EQ(send(fake.port(), verb::get, "/cache/video?key=k", {}, kKey).status, 429u);
  // fail_count ran out.
  EXPECT_TRUE(
      grpc(fake.port(), kLength, m::make_dictionary_length("d"), {"fake-service-key"}).status.ok());

  fake.set_faults(failing(503, -1, "/cache_client."));
  EXPECT_EQ(
      grpc(fake.port(), kLength, m::make_dictionary_length("d"), {"fake-service-key"}).status.code,
      GrpcCode::unavailable);
  EXPECT_EQ(send(fake.port(), verb::get, "/cache/video?key=k", {}, kKey).status, 404u);  // no fault
  fake.clear_faults();
  EXPECT_TRUE(
      grpc(fake.port(), kLength, m::make_dictionary_length("d"), {"fake-service-key"}).status.ok());
}

TEST(FakeFaults, LatencyResetHang) {
  FakeMomento fake;
  Faults slow = failing(0, 1);
  slow.latency = 100ms;
  fake.set_faults(slow);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(send(fake.port(), verb::get, "/cache/video?key=k", {}, kKey).status, 404u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);

  Faults reset_once = failing(0, 1);
  reset_once.reset = true;
  fake.set_faults(reset_once);
  auto reset = send(fake.port(), verb::get, "/cache/video?key=k", {}, kKey);
  EXPECT_TRUE(reset.error) << reset.status;
  EXPECT_EQ(send(fake.port(), verb::get, "/cache/video?key=k", {}, kKey).status, 404u);

  Faults hang_all;
  hang_all.hang = true;
  fake.set_faults(hang_all);
  auto hang = send(fake.port(), verb::get, "/cache/video?key=k", {}, kKey, 200ms);
  EXPECT_EQ(hang.error, boost::beast::error::timeout);
  // /_fake is never faulted: clear over HTTP.
  EXPECT_EQ(send(fake.port(), verb::delete_, "/_fake/faults").status, 204u);
  EXPECT_EQ(send(fake.port(), verb::get, "/cache/video?key=k", {}, kKey).status, 404u);
}

TEST(FakeControl, HttpControlRoutes) {
  FakeMomento fake;
  const auto port = fake.port();
  EXPECT_EQ(send(port, verb::post, "/_fake/faults",
                 R"({"fail_status":500,"fail_count":1,"path_prefix":"/cache/"})")
                .status,
            204u);
  EXPECT_EQ(send(port, verb::get, "/cache/video?key=k", {}, kKey).status, 500u);
  grpc(port, std::string(m::methods::kSortedSetPut),
       m::make_sorted_set_put("s", {{"p", 1.5}}, {10s, true}), {"fake-service-key"});
  grpc(port, std::string(m::methods::kDictionarySet),
       m::make_dictionary_set("d", {{"f", "v"}}, {10s, true}), {"fake-service-key"});
  send(port, verb::post, "/topics/video/t", "hello", kKey);
  EXPECT_EQ(send(port, verb::get, "/_fake/sorted-set/s").body, R"([{"value":"p","score":1.5E0}])");
  EXPECT_EQ(send(port, verb::get, "/_fake/dictionary/d").body, R"({"f":"v"})");
  EXPECT_EQ(send(port, verb::get, "/_fake/topic/t").body, R"(["hello"])");
  auto counts = boost::json::parse(send(port, verb::get, "/_fake/requests").body).as_object();
  EXPECT_EQ(counts.at("POST /cache_client.Scs/SortedSetPut"), 1);
  EXPECT_EQ(counts.at("GET /cache/video"), 1);
  EXPECT_FALSE(counts.contains("GET /_fake/topic/t"));
}

}  // namespace
}  // namespace streampulse::testing
