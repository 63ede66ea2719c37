// Golden vectors of docs/momento.md §11.6 and the token request (protoc --encode against Momento's
// published .proto files): our builders must produce these exact bytes.
#include "streampulse/core/error.hpp"
#include "streampulse/momento/credentials.hpp"
#include "streampulse/momento/messages.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using namespace streampulse;
using namespace streampulse::momento;

namespace {

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string unhex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  }
  return out;
}

template <class Message>
std::string wire(const Message& m) {
  return hex(m.SerializeAsString());
}

constexpr double kNow = 1700000000000;
const store::ScoreRange kSince{kNow, std::nullopt};

}  // namespace

TEST(MomentoMessages, SortedSetRequestsMatchGoldenVectors) {
  EXPECT_EQ(wire(make_sorted_set_put("activePlayers", {{"p1", kNow}}, {10000ms, true})),
            "0a0d616374697665506c6179657273120d0a0270311100008056febc784218904e2001");
  EXPECT_EQ(wire(make_sorted_set_fetch_by_score("activePlayers", kSince, std::nullopt)),
            "0a0d616374697665506c617965727318012a0f12090900008056febc78421a003001");
  EXPECT_EQ(wire(make_sorted_set_length_by_score("activePlayers", kSince)),
            "0a0d616374697665506c61796572731100008056febc78423a00");
  EXPECT_EQ(wire(make_sorted_set_remove("activePlayers", {"p1", "p2"})),
            "0a0d616374697665506c61796572731a080a0270310a027032");
}

TEST(MomentoMessages, DictionaryRequestsMatchGoldenVectors) {
  EXPECT_EQ(wire(make_dictionary_set("analytics", {{"p1", "{}"}}, {3600000ms, true})),
            "0a09616e616c797469637312080a02703112027b7d1880dddb012001");
  EXPECT_EQ(wire(make_dictionary_length("acct-1")), "0a06616363742d31");
  EXPECT_EQ(wire(make_dictionary_get("analytics", {"p1", "p2"})),
            "0a09616e616c79746963731202703112027032");
  EXPECT_EQ(wire(make_dictionary_fetch("analytics")), "0a09616e616c7974696373");
}

TEST(MomentoMessages, FetchByScoreWithBothBoundsAndALimit) {
  const auto m = make_sorted_set_fetch_by_score("s", {1.0, 2.0}, 10);
  ASSERT_TRUE(m.has_by_score());
  EXPECT_TRUE(m.with_scores());
  EXPECT_EQ(m.by_score().min_score().score(), 1.0);
  EXPECT_FALSE(m.by_score().min_score().exclusive());
  EXPECT_EQ(m.by_score().max_score().score(), 2.0);
  EXPECT_EQ(m.by_score().offset(), 0u);
  EXPECT_EQ(m.by_score().count(), 10);
  EXPECT_TRUE(make_sorted_set_fetch_by_score("s", {}, 5).by_score().has_unbounded_min());
  EXPECT_EQ(make_sorted_set_fetch_by_score("s", {}, 0xffffffffu).by_score().count(), 2147483647);
  EXPECT_EQ(make_dictionary_delete("d", {"a", "b"}).some().fields_size(), 2);
}

TEST(MomentoMessages, ReadsCollectionResponsesFromGoldenVectors) {
  auto fetched = read_sorted_set_fetch(unhex("0a110a0f0a0d0a0270311100008056febc7842"));
  ASSERT_TRUE(fetched);
  EXPECT_EQ(*fetched, (std::vector<store::ScoredMember>{{"p1", kNow}}));
  EXPECT_EQ(read_sorted_set_fetch(unhex("0a020a00")).value().size(), 0u);
  EXPECT_EQ(read_sorted_set_fetch(unhex("1200")).value().size(), 0u);  // missing set

  auto dict = read_dictionary_fetch(unhex("0a0a0a080a02703112027b7d"));
  ASSERT_TRUE(dict);
  EXPECT_EQ(*dict, (std::vector<store::FieldValue>{{"p1", "{}"}}));
  EXPECT_EQ(read_dictionary_fetch(unhex("1200")).value().size(), 0u);

  auto got = read_dictionary_get(unhex("0a0c0a06080212027b7d0a020803"), 2);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0], "{}");
  EXPECT_EQ((*got)[1], std::nullopt);
  auto missing = read_dictionary_get(unhex("1200"), 3);
  ASSERT_TRUE(missing);
  EXPECT_EQ(*missing, std::vector<std::optional<std::string>>(3));

  EXPECT_EQ(read_dictionary_length(unhex("0a020803")).value(), 3u);
  EXPECT_EQ(read_dictionary_length(unhex("1200")).value(), 0u);
  EXPECT_EQ(read_sorted_set_length_by_score(unhex("0a020802")).value(), 2u);
  EXPECT_EQ(read_sorted_set_length_by_score(unhex("1200")).value(), 0u);
}

TEST(MomentoMessages, MalformedResponsesAreInternalErrors) {
  const auto internal = make_error_code(errc::internal);
  EXPECT_EQ(read_sorted_set_fetch("\xff\xff\xff").error(), internal);
  EXPECT_EQ(read_sorted_set_fetch("").error(), internal);  // neither found nor missing
  EXPECT_EQ(read_dictionary_length("").error(), internal);
  EXPECT_EQ(read_dictionary_get(unhex("0a0c0a06080212027b7d0a020803"), 3).error(), internal);
  EXPECT_EQ(read_generate_disposable_token("").error(), internal);
}

TEST(MomentoMessages, TopicMessagesMatchGoldenVectors) {
  EXPECT_EQ(wire(make_publish("video", "viewerCount", {false, "3"})),
            "0a05766964656f120b766965776572436f756e741a030a0133");
  EXPECT_EQ(wire(make_subscribe("video", "reactions", {})), "0a05766964656f12097265616374696f6e73");
  const auto binary = make_publish("video", "t", {true, std::string("\0\1", 2)});
  EXPECT_EQ(binary.value().binary(), std::string("\0\1", 2));
  const auto resume = make_subscribe("video", "t", {6, 7});
  EXPECT_EQ(resume.resume_at_topic_sequence_number(), 6u);
  EXPECT_EQ(resume.sequence_page(), 7u);

  auto heartbeat = read_subscription_item(unhex("1a00"));
  ASSERT_TRUE(heartbeat);
  EXPECT_FALSE(heartbeat->has_value());

  auto item = read_subscription_item(unhex("0a14080512040a0268691a08706c617965722d312007"));
  ASSERT_TRUE(item && item->has_value());
  const auto& topic_item = std::get<store::TopicItem>(**item);
  EXPECT_EQ(topic_item.topic_sequence_number, 5u);
  EXPECT_EQ(topic_item.sequence_page, 7u);
  EXPECT_FALSE(topic_item.value.binary);
  EXPECT_EQ(topic_item.value.data, "hi");
  EXPECT_EQ(topic_item.publisher_id, "player-1");

  auto gap = read_subscription_item(unhex("1206086410681807"));
  ASSERT_TRUE(gap && gap->has_value());
  const auto& d = std::get<store::Discontinuity>(**gap);
  EXPECT_EQ(d.last_topic_sequence, 100u);
  EXPECT_EQ(d.new_topic_sequence, 104u);
  EXPECT_EQ(d.new_sequence_page, 7u);
}

TEST(MomentoMessages, DocumentTokenVectorWithThreePermissions) {
  // The demo's scope as in §5.2 (reactions read-write, viewerCount read-only, stream
  // write-only; cache video; 900 s; token_id player-1), built with the generated classes.
  token::_GenerateDisposableTokenRequest m;
  m.mutable_expires()->set_valid_for_seconds(900);
  m.set_auth_token("KEY");
  auto* explicit_permissions = m.mutable_permissions()->mutable_explicit_();
  const std::pair<permission_messages::TopicRole, const char*> statements[] = {
      {permission_messages::TopicReadWrite, "reactions"},
      {permission_messages::TopicReadOnly, "viewerCount"},
      {permission_messages::TopicWriteOnly, "stream"}};
  for (const auto& [role, topic] : statements) {
    auto* p = explicit_permissions->add_permissions()->mutable_topic_permissions();
    p->set_role(role);
    p->mutable_cache_selector()->set_cache_name("video");
    p->mutable_topic_selector()->set_topic_name(topic);
  }
  m.set_token_id("player-1");
  EXPECT_EQ(wire(m),
            "0a0308840712034b45591a5512530a1a121808011a070a05766964656f2a0b0a09726561637469"
            "6f6e730a1c121a08021a070a05766964656f2a0d0a0b766965776572436f756e740a171215080"
            "31a070a05766964656f2a080a0673747265616d2208706c617965722d31");
}

TEST(MomentoMessages, ViewerTokenHasTwoTopicPermissions) {
  const auto m = make_generate_disposable_token({.auth_token = "KEY",
                                                 .cache = "video",
                                                 .heartbeat_topic = "stream",
                                                 .count_topic = "viewerCount",
                                                 .valid_for = 900s,
                                                 .token_id = "player-1"});
  EXPECT_EQ(m.expires().valid_for_seconds(), 900u);
  EXPECT_EQ(m.auth_token(), "KEY");
  EXPECT_EQ(m.token_id(), "player-1");
  ASSERT_TRUE(m.permissions().has_explicit_());
  const auto& list = m.permissions().explicit_().permissions();
  ASSERT_EQ(list.size(), 2);
  const auto& publish = list[0].topic_permissions();
  EXPECT_EQ(publish.role(), permission_messages::TopicWriteOnly);  // "publishonly"
  EXPECT_EQ(publish.cache_selector().cache_name(), "video");
  EXPECT_EQ(publish.topic_selector().topic_name(), "stream");
  const auto& subscribe = list[1].topic_permissions();
  EXPECT_EQ(subscribe.role(), permission_messages::TopicReadOnly);  // "subscribeonly"
  EXPECT_EQ(subscribe.cache_selector().cache_name(), "video");
  EXPECT_EQ(subscribe.topic_selector().topic_name(), "viewerCount");
  // The same statements' bytes as in the document's vector, without the reactions one
  // (checked with protoc --encode).
  EXPECT_EQ(wire(m),
            "0a0308840712034b45591a3912370a17121508031a070a05766964656f2a080a0673747265616d"
            "0a1c121a08021a070a05766964656f2a0d0a0b766965776572436f756e742208706c617965722d31");
  EXPECT_TRUE(make_generate_disposable_token({.auth_token = "KEY"}).token_id().empty());
}

TEST(MomentoMessages, TokenResponseBecomesTheBrowserWrapper) {
  token::_GenerateDisposableTokenResponse response;
  response.set_api_key("jwt");
  response.set_endpoint("cell-1.example.com");
  response.set_valid_until(1700000900);
  auto token = read_generate_disposable_token(response.SerializeAsString());
  ASSERT_TRUE(token);
  EXPECT_EQ(token->valid_until, 1700000900u);
  // base64 of {"endpoint":"cell-1.example.com","api_key":"jwt"}, as the JS SDK hands it out.
  const std::string wrapped = browser_token(*token);
  EXPECT_EQ(wrapped, "eyJlbmRwb2ludCI6ImNlbGwtMS5leGFtcGxlLmNvbSIsImFwaV9rZXkiOiJqd3QifQ==");
  auto parsed = parse_credentials(wrapped);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->auth_token, "jwt");
  EXPECT_EQ(parsed->hosts.http_api.host, "api.cache.cell-1.example.com");
}

namespace {

// A length-delimited field (tag byte, short payload).
std::string field(unsigned char tag, const std::string& payload) {
  return std::string(1, static_cast<char>(tag)) + static_cast<char>(payload.size()) + payload;
}

// Fields a newer Momento might add: 15 (varint 1) and 16 (bytes "new").
const std::string kUnknown = unhex("7801") + unhex("820103") + "new";

}  // namespace

// Like the SDKs' generated readers, ours skip fields they do not know, at every depth.
TEST(MomentoMessages, UnknownFieldsAreSkippedAtEveryDepth) {
  const std::string pair = unhex("0a027031") + unhex("12027b7d") + kUnknown;
  const std::string dict = field(0x0a, field(0x0a, pair + kUnknown) + kUnknown) + kUnknown;
  EXPECT_EQ(read_dictionary_fetch(dict).value(), (std::vector<store::FieldValue>{{"p1", "{}"}}));

  const std::string element = unhex("0a027031") + unhex("1100008056febc7842") + kUnknown;
  const std::string scored = field(0x0a, field(0x0a, element) + kUnknown);
  const std::string set = field(0x0a, scored + kUnknown) + kUnknown;
  EXPECT_EQ(read_sorted_set_fetch(set).value(), (std::vector<store::ScoredMember>{{"p1", kNow}}));

  const std::string part = unhex("0802") + unhex("12027b7d") + kUnknown;
  const auto got = read_dictionary_get(field(0x0a, field(0x0a, part) + kUnknown) + kUnknown, 1);
  EXPECT_EQ(got.value(), std::vector<std::optional<std::string>>{"{}"});

  EXPECT_EQ(read_dictionary_length(field(0x0a, unhex("0803") + kUnknown) + kUnknown).value(), 3u);
  EXPECT_EQ(read_sorted_set_length_by_score(field(0x0a, unhex("0802") + kUnknown)).value(), 2u);

  token::_GenerateDisposableTokenResponse response;
  response.set_api_key("jwt");
  response.set_endpoint("cell-1.example.com");
  const auto token = read_generate_disposable_token(response.SerializeAsString() + kUnknown);
  EXPECT_EQ(token.value().api_key, "jwt");
}

// A missing collection is the empty message `missing {}`; it may carry unknown fields too, and a
// found set or dictionary may hold nothing.
TEST(MomentoMessages, EmptyMessagesForMissingOrEmptyCollections) {
  const std::string missing = field(0x12, "");
  const std::string missing_plus = field(0x12, kUnknown);
  for (const auto& bytes : {missing, missing_plus}) {
    EXPECT_TRUE(read_sorted_set_fetch(bytes).value().empty());
    EXPECT_TRUE(read_dictionary_fetch(bytes).value().empty());
    EXPECT_EQ(read_dictionary_get(bytes, 2).value(), std::vector<std::optional<std::string>>(2));
    EXPECT_EQ(read_dictionary_length(bytes).value(), 0u);
    EXPECT_EQ(read_sorted_set_length_by_score(bytes).value(), 0u);
  }
  // found {} with no elements oneof, and found { length: 0 } (length omitted on the wire).
  EXPECT_TRUE(read_sorted_set_fetch(field(0x0a, "")).value().empty());
  EXPECT_TRUE(read_dictionary_fetch(field(0x0a, "")).value().empty());
  EXPECT_EQ(read_dictionary_length(field(0x0a, "")).value(), 0u);
  EXPECT_EQ(read_sorted_set_length_by_score(field(0x0a, "")).value(), 0u);
}
