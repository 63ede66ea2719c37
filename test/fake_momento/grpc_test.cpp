// gRPC-Web cache_client.Scs against the fake, in both modes, with the service's own builders
// and readers (which cross-checks the client codec against an independent server).
#include "fake_momento.hpp"
#include "test_client.hpp"

#include "streampulse/momento/messages.hpp"
#include "streampulse/momento/methods.hpp"

#include <gtest/gtest.h>

namespace streampulse::testing {
namespace {

namespace m = momento;
namespace methods = momento::methods;
using m::GrpcCode;
using m::grpc_web::Mode;

const store::CollectionTtl kTtl{std::chrono::seconds(60), true};

class FakeGrpc : public ::testing::TestWithParam<Mode> {
 protected:
  FakeGrpc() {
    call_.authorization = "fake-service-key";
    call_.mode = GetParam();
  }
  m::grpc_web::Response rpc(std::string_view method, const google::protobuf::MessageLite& msg) {
    return grpc(fake_.port(), std::string(method), msg, call_);
  }
  // The single message of a successful call.
  std::string ok(std::string_view method, const google::protobuf::MessageLite& msg) {
    auto r = rpc(method, msg);
    EXPECT_TRUE(r.status.ok()) << r.status.describe();
    EXPECT_EQ(r.messages.size(), 1u);
    return r.messages.empty() ? std::string() : r.messages.front();
  }
  FakeMomento fake_;
  GrpcCall call_;
};

TEST_P(FakeGrpc, SortedSetRoundTrip) {
  std::vector<store::ScoredMember> members{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 3}};
  ok(methods::kSortedSetPut, m::make_sorted_set_put("players", members, kTtl));
  EXPECT_EQ(fake_.sorted_set("players"), members);

  auto all = m::read_sorted_set_fetch(
      ok(methods::kSortedSetFetch, m::make_sorted_set_fetch_by_score("players", {}, {})));
  EXPECT_EQ(all.value(), members);
  store::ScoreRange mid{2.0, 3.0};
  auto some = m::read_sorted_set_fetch(
      ok(methods::kSortedSetFetch, m::make_sorted_set_fetch_by_score("players", mid, 2)));
  EXPECT_EQ(some.value(), (std::vector<store::ScoredMember>{{"b", 2}, {"c", 3}}));

  // Descending, offset, exclusive bound, no scores: fields the builders do not set.
  auto req = m::make_sorted_set_fetch_by_score("players", {}, {});
  req.set_order(cache_client::_SortedSetFetchRequest::DESCENDING);
  req.set_with_scores(false);
  req.mutable_by_score()->set_offset(1);
  req.mutable_by_score()->mutable_max_score()->set_score(3);
  req.mutable_by_score()->mutable_max_score()->set_exclusive(true);
  cache_client::_SortedSetFetchResponse res;
  ASSERT_TRUE(res.ParseFromString(ok(methods::kSortedSetFetch, req)));
  ASSERT_TRUE(res.found().has_values());
  EXPECT_EQ(res.found().values().values_size(), 1);
  EXPECT_EQ(res.found().values().values(0), "a");

  auto by_index = m::make_sorted_set_fetch_by_score("players", {}, {});
  by_index.mutable_by_index()->set_inclusive_start_index(-2);
  auto last_two = m::read_sorted_set_fetch(ok(methods::kSortedSetFetch, by_index));
  EXPECT_EQ(last_two.value(), (std::vector<store::ScoredMember>{{"c", 3}, {"d", 3}}));

  store::ScoreRange from2{2.0, std::nullopt};
  EXPECT_EQ(
      m::read_sorted_set_length_by_score(ok(methods::kSortedSetLengthByScore,
                                            m::make_sorted_set_length_by_score("players", from2)))
          .value(),
      3u);
  auto exclusive = m::make_sorted_set_length_by_score("players", {});
  exclusive.set_exclusive_min(1);
  EXPECT_EQ(
      m::read_sorted_set_length_by_score(ok(methods::kSortedSetLengthByScore, exclusive)).value(),
      3u);

  ok(methods::kSortedSetRemove, m::make_sorted_set_remove("players", {"a", "c"}));
  EXPECT_EQ(fake_.sorted_set("players"), (std::vector<store::ScoredMember>{{"b", 2}, {"d", 3}}));
}

TEST_P(FakeGrpc, MissingCollectionsAnswerMissing) {
  cache_client::_SortedSetFetchResponse fetch;
  ASSERT_TRUE(fetch.ParseFromString(
      ok(methods::kSortedSetFetch, m::make_sorted_set_fetch_by_score("none", {}, {}))));
  EXPECT_TRUE(fetch.has_missing());
  cache_client::_SortedSetLengthByScoreResponse length;
  ASSERT_TRUE(length.ParseFromString(
      ok(methods::kSortedSetLengthByScore, m::make_sorted_set_length_by_score("none", {}))));
  EXPECT_TRUE(length.has_missing());
  cache_client::_DictionaryFetchResponse dict;
  ASSERT_TRUE(dict.ParseFromString(ok(methods::kDictionaryFetch, m::make_dictionary_fetch("x"))));
  EXPECT_TRUE(dict.has_missing());
  cache_client::_DictionaryGetResponse get;
  ASSERT_TRUE(get.ParseFromString(ok(methods::kDictionaryGet, m::make_dictionary_get("x", {"f"}))));
  EXPECT_TRUE(get.has_missing());
  cache_client::_DictionaryLengthResponse len;
  ASSERT_TRUE(len.ParseFromString(ok(methods::kDictionaryLength, m::make_dictionary_length("x"))));
  EXPECT_TRUE(len.has_missing());
}

TEST_P(FakeGrpc, DictionaryRoundTrip) {
  std::vector<store::FieldValue> items{{"p1", "{\"a\":1}"}, {"p2", "{}"}};
  ok(methods::kDictionarySet, m::make_dictionary_set("analytics", items, kTtl));
  EXPECT_EQ(fake_.dictionary("analytics"), items);
  EXPECT_EQ(
      m::read_dictionary_fetch(ok(methods::kDictionaryFetch, m::make_dictionary_fetch("analytics")))
          .value(),
      items);
  auto got = m::read_dictionary_get(
      ok(methods::kDictionaryGet, m::make_dictionary_get("analytics", {"p2", "zz"})), 2);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[0], std::optional<std::string>("{}"));
  EXPECT_EQ((*got)[1], std::nullopt);
  EXPECT_EQ(m::read_dictionary_length(
                ok(methods::kDictionaryLength, m::make_dictionary_length("analytics")))
                .value(),
            2u);
  ok(methods::kDictionaryDelete, m::make_dictionary_delete("analytics", {"p1"}));
  EXPECT_EQ(fake_.dictionary("analytics"), (std::vector<store::FieldValue>{{"p2", "{}"}}));
}

// streampulse never increments (src/momento has no builder for it): the test writes Momento's
// message itself, for the fake's DictionaryIncrement that Momento's SDKs also call.
::cache_client::_DictionaryIncrementRequest increment_request(std::string_view field,
                                                              std::int64_t amount) {
  ::cache_client::_DictionaryIncrementRequest m;
  m.set_dictionary_name("acct-1");
  m.set_field(std::string(field));
  m.set_amount(amount);
  m.set_ttl_milliseconds(60000);
  m.set_refresh_ttl(true);
  return m;
}

TEST_P(FakeGrpc, DictionaryIncrement) {
  auto inc = [&](std::int64_t amount) {
    ::cache_client::_DictionaryIncrementResponse r;
    EXPECT_TRUE(
        r.ParseFromString(ok(methods::kDictionaryIncrement, increment_request("p1", amount))));
    return r.value();
  };
  EXPECT_EQ(inc(1), 1);
  EXPECT_EQ(inc(5), 6);
  EXPECT_EQ(inc(-10), -4);
  ok(methods::kDictionarySet, m::make_dictionary_set("acct-1", {{"text", "abc"}}, kTtl));
  auto r = rpc(methods::kDictionaryIncrement, increment_request("text", 1));
  EXPECT_EQ(r.status.code, GrpcCode::failed_precondition);
}

TEST_P(FakeGrpc, HeaderChecks) {
  const auto msg = m::make_dictionary_length("d");
  call_.authorization = "wrong";
  EXPECT_EQ(rpc(methods::kDictionaryLength, msg).status.code, GrpcCode::unauthenticated);
  call_.authorization = fake_.v1_api_key();  // the whole wrapper is accepted too
  EXPECT_TRUE(rpc(methods::kDictionaryLength, msg).status.ok());
  call_.cache = "other";
  auto wrong_cache = rpc(methods::kDictionaryLength, msg);
  EXPECT_EQ(wrong_cache.status.code, GrpcCode::not_found);
  EXPECT_EQ(wrong_cache.status.message, "Cache not found");
  call_.cache = "";
  EXPECT_EQ(rpc(methods::kDictionaryLength, msg).status.code, GrpcCode::invalid_argument);
  call_.cache = "video";
  EXPECT_EQ(rpc("/cache_client.Scs/ListPush", msg).status.code, GrpcCode::unimplemented);
}

TEST_P(FakeGrpc, DictionarySizeLimit) {
  FakeMomentoOptions o;
  o.max_item_bytes = 100;
  FakeMomento small(o);
  auto set = [&](std::string field, std::size_t n) {
    return grpc(small.port(), std::string(methods::kDictionarySet),
                m::make_dictionary_set("d", {{field, std::string(n, 'x')}}, kTtl), call_);
  };
  EXPECT_TRUE(set("a", 40).status.ok());
  EXPECT_TRUE(set("a", 90).status.ok());  // replaces: 91 bytes in all
  auto over = set("b", 20);
  EXPECT_EQ(over.status.code, GrpcCode::resource_exhausted);
  EXPECT_EQ(over.status.err, "item_size_limit_exceeded");
}

INSTANTIATE_TEST_SUITE_P(Modes, FakeGrpc, ::testing::Values(Mode::binary, Mode::text),
                         [](const auto& p) { return p.param == Mode::binary ? "binary" : "text"; });

// The exact bytes of the worked example of docs/momento.md §11.3.
TEST(FakeGrpcWire, AnswersTheDocumentedBytes) {
  FakeMomento fake;
  grpc(fake.port(), std::string(methods::kDictionarySet),
       m::make_dictionary_set("acct-1", {{"a", "1"}, {"b", "2"}, {"c", "3"}}, kTtl),
       {"fake-service-key"});
  Reply raw;
  GrpcCall text{"fake-service-key", "video", Mode::text};
  auto r = grpc(fake.port(), std::string(methods::kDictionaryLength),
                m::make_dictionary_length("acct-1"), text, &raw);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(raw.headers["content-type"], "application/grpc-web-text");
  EXPECT_EQ(raw.body, "AAAAAAQKAggDgAAAAB5ncnBjLXN0YXR1czowDQpncnBjLW1lc3NhZ2U6DQo=");
}

}  // namespace
}  // namespace streampulse::testing
