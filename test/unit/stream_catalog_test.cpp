// The stream catalog (issue 15): id, name and URL rules, the bound, the default stream's rules,
// undo, and the stored forms.
#include "streampulse/core/stream_catalog.hpp"

#include <gtest/gtest.h>

namespace streampulse::core {
namespace {

Stream main_stream() { return {"main", "Sample stream", "/media/sample/master.m3u8"}; }

StreamRefusal refusal_of(const boost::system::result<StreamChange, StreamProblem>& r) {
  EXPECT_FALSE(r.has_value());
  return r.has_value() ? StreamRefusal::not_found : r.error().refusal;
}

TEST(StreamCatalog, IdsAreOneTo64CharactersOfTheSafeSet) {
  EXPECT_TRUE(is_valid_stream_id("a"));
  EXPECT_TRUE(is_valid_stream_id("Show_2-final"));
  EXPECT_TRUE(is_valid_stream_id(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_stream_id(""));
  EXPECT_FALSE(is_valid_stream_id(std::string(65, 'x')));
  for (const char* bad : {"a b", "a/b", "a.b", "..", "é", "a%2F", "a\nb", "a:b"})
    EXPECT_FALSE(is_valid_stream_id(bad)) << bad;
}

TEST(StreamCatalog, NamesAreBoundedPrintableAndNotBlank) {
  const StreamLimits limits;
  auto with_name = [](std::string name) { return Stream{"s", std::move(name), "/media/s/a.m3u8"}; };
  EXPECT_FALSE(check_stream(with_name("Concert · live"), limits));
  EXPECT_FALSE(check_stream(with_name(std::string(200, 'n')), limits));
  // 200 code points of two bytes each: counted as characters, not bytes.
  std::string accented;
  for (int i = 0; i < 200; ++i) accented += "\xC3\xA9";
  EXPECT_FALSE(check_stream(with_name(accented), limits));
  for (const std::string& bad :
       {std::string(), std::string("   "), std::string(201, 'n'), std::string("tab\there"),
        std::string("bad \xFF utf8"), std::string("cut \xC3")}) {
    const auto p = check_stream(with_name(bad), limits);
    ASSERT_TRUE(p) << bad;
    EXPECT_EQ(p->refusal, StreamRefusal::bad_name);
    EXPECT_NE(p->message.find("'name'"), std::string::npos);
  }
}

TEST(StreamCatalog, UrlsAreHttpOrHttpsWithAHostOrASitePath) {
  const StreamLimits limits;
  auto with_url = [](std::string url) { return Stream{"s", "S", std::move(url)}; };
  for (const char* good : {"/media/show/master.m3u8", "https://cdn.example.com/live/index.m3u8",
                           "http://127.0.0.1:8080/media/x.m3u8?token=a%20b", "/a"})
    EXPECT_FALSE(check_stream(with_url(good), limits)) << good;
  for (const char* bad :
       {"", "media/x.m3u8", "javascript:alert(1)", "data:text/plain,hi", "ftp://h/x.m3u8",
        "//evil.example/x.m3u8", "https:///nohost", "http://", "/a b", "/a\\b", "https://h/\n"}) {
    const auto p = check_stream(with_url(bad), limits);
    ASSERT_TRUE(p) << bad;
    EXPECT_EQ(p->refusal, StreamRefusal::bad_url) << bad;
  }
  EXPECT_TRUE(check_stream(with_url("/" + std::string(2048, 'u')), limits));
  EXPECT_FALSE(check_stream(with_url("/" + std::string(2047, 'u')), limits));
}

TEST(StreamCatalog, PutCreatesThenReplacesAndListsTheDefaultFirst) {
  StreamCatalog catalog(main_stream());
  auto created = catalog.put({"b", "B", "/media/b/master.m3u8"});
  ASSERT_TRUE(created);
  EXPECT_TRUE(created->created);
  ASSERT_TRUE(catalog.put({"a", "A", "/media/a/master.m3u8"}));
  auto replaced = catalog.put({"b", "B2", "https://cdn.example.com/b.m3u8"});
  ASSERT_TRUE(replaced);
  EXPECT_FALSE(replaced->created);
  EXPECT_EQ(replaced->previous->name, "B");
  const auto all = catalog.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "main");
  EXPECT_EQ(all[1].id, "a");
  EXPECT_EQ(all[2], (Stream{"b", "B2", "https://cdn.example.com/b.m3u8"}));
  EXPECT_EQ(catalog.find("b")->name, "B2");
  EXPECT_EQ(catalog.find("zz"), nullptr);
}

TEST(StreamCatalog, ABadStreamChangesNothing) {
  StreamCatalog catalog(main_stream());
  ASSERT_TRUE(catalog.put({"a", "A", "/media/a/master.m3u8"}));
  EXPECT_EQ(refusal_of(catalog.put({"a", "", "/media/a/master.m3u8"})), StreamRefusal::bad_name);
  EXPECT_EQ(refusal_of(catalog.put({"a", "A", "javascript:x"})), StreamRefusal::bad_url);
  EXPECT_EQ(refusal_of(catalog.put({"a b", "A", "/x"})), StreamRefusal::bad_id);
  EXPECT_EQ(refusal_of(catalog.put({"main", "M", "ftp://x/y"})), StreamRefusal::bad_url);
  EXPECT_EQ(catalog.size(), 2u);
  EXPECT_EQ(catalog.find("a")->name, "A");
  EXPECT_EQ(catalog.default_stream(), main_stream());
  EXPECT_FALSE(catalog.default_changed());
}

TEST(StreamCatalog, TheBoundRefusesNewStreamsButStillReplaces) {
  StreamLimits limits;
  limits.max_streams = 3;  // the default and two more
  StreamCatalog catalog(main_stream(), limits);
  ASSERT_TRUE(catalog.put({"a", "A", "/a"}));
  ASSERT_TRUE(catalog.put({"b", "B", "/b"}));
  const auto full = catalog.put({"c", "C", "/c"});
  EXPECT_EQ(refusal_of(full), StreamRefusal::catalog_full);
  EXPECT_NE(full.error().message.find("3"), std::string::npos);
  EXPECT_EQ(catalog.size(), 3u);
  EXPECT_TRUE(catalog.put({"b", "B again", "/b"}));  // a replacement takes no new place
  EXPECT_TRUE(catalog.put({"main", "Main again", "/m"}));
  ASSERT_TRUE(catalog.remove("a"));
  EXPECT_TRUE(catalog.put({"c", "C", "/c"}));
}

TEST(StreamCatalog, TheDefaultStaysButMayBeRenamed) {
  StreamCatalog catalog(main_stream());
  EXPECT_EQ(refusal_of(catalog.remove("main")), StreamRefusal::default_stream);
  EXPECT_EQ(refusal_of(catalog.remove("nope")), StreamRefusal::not_found);
  EXPECT_TRUE(catalog.saved().empty());  // the configuration's default is not stored
  ASSERT_TRUE(catalog.put({"main", "Renamed", "/media/other/master.m3u8"}));
  EXPECT_TRUE(catalog.default_changed());
  EXPECT_EQ(catalog.default_stream().name, "Renamed");
  ASSERT_EQ(catalog.saved().size(), 1u);  // now it is: the change survives a restart
  EXPECT_TRUE(catalog.is_default("main"));
}

TEST(StreamCatalog, UndoPutsBackWhatWasThere) {
  StreamCatalog catalog(main_stream());
  ASSERT_TRUE(catalog.put({"a", "A", "/a"}));
  auto created = catalog.put({"b", "B", "/b"});
  catalog.undo(*created);
  EXPECT_EQ(catalog.find("b"), nullptr);
  auto replaced = catalog.put({"a", "A2", "/a2"});
  catalog.undo(*replaced);
  EXPECT_EQ(*catalog.find("a"), (Stream{"a", "A", "/a"}));
  auto removed = catalog.remove("a");
  ASSERT_TRUE(removed);
  EXPECT_EQ(catalog.find("a"), nullptr);
  catalog.undo(*removed);
  EXPECT_EQ(*catalog.find("a"), (Stream{"a", "A", "/a"}));
  auto renamed = catalog.put({"main", "M2", "/m2"});
  catalog.undo(*renamed);
  EXPECT_EQ(catalog.default_stream(), main_stream());
  EXPECT_FALSE(catalog.default_changed());
}

TEST(StreamCatalog, LoadSkipsWhatBreaksTheRulesAndKeepsTheRest) {
  StreamLimits limits;
  limits.max_streams = 3;
  StreamCatalog catalog(main_stream(), limits);
  const auto skipped = catalog.load({{"a", "A", "/a"},
                                     {"bad id", "X", "/x"},
                                     {"main", "Stored main", "/stored"},
                                     {"b", "B", "/b"},
                                     {"c", "C", "/c"}});
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_NE(skipped[0].find("bad id"), std::string::npos);
  EXPECT_NE(skipped[1].find("'c'"), std::string::npos);
  EXPECT_EQ(catalog.size(), 3u);
  EXPECT_EQ(catalog.default_stream().name, "Stored main");  // a stored default wins
}

TEST(StreamCatalog, StoredFormsRoundTrip) {
  const std::vector<Stream> streams{{"a", "Ä \"quoted\"", "/media/a/master.m3u8"},
                                    {"main", "M", "https://h/x.m3u8"}};
  const auto back = streams_from_json(streams_to_json(streams));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, streams);
  EXPECT_FALSE(streams_from_json("[]"));
  EXPECT_FALSE(streams_from_json(R"({"version":2,"streams":[]})"));
  EXPECT_FALSE(streams_from_json(R"({"version":1,"streams":[{"id":"a","name":1,"url":"/"}]})"));
  EXPECT_FALSE(streams_from_json("{\"version\":1,\"streams\":[]"));

  const Stream s{"show", "Show", "/media/show/master.m3u8"};
  EXPECT_EQ(stream_from_value_json("show", stream_value_json(s)), s);
  EXPECT_FALSE(stream_from_value_json("show", R"({"name":"x"})"));
  EXPECT_FALSE(stream_from_value_json("show", "not json"));
}

}  // namespace
}  // namespace streampulse::core
