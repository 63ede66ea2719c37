// The file server on a temporary media root: whole files, byte ranges, conditional requests,
// HTTP dates and HEAD.
#include "file_server_fixture.hpp"
#include "streampulse/http/file_server.hpp"

#include <gtest/gtest.h>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

using namespace file_server_test;

TEST_F(FileServerTest, ServesWholeFileWithHeaders) {
  const auto m = get("/media/sample/master.m3u8");
  EXPECT_EQ(m.result(), bhttp::status::ok);
  EXPECT_EQ(m.body(), kManifest);
  EXPECT_EQ(m[bhttp::field::content_type], "application/vnd.apple.mpegurl");
  EXPECT_EQ(m["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(m[bhttp::field::accept_ranges], "bytes");
  EXPECT_EQ(m[bhttp::field::cache_control], "public, max-age=300");
  EXPECT_FALSE(m[bhttp::field::etag].empty());
  EXPECT_TRUE(m[bhttp::field::last_modified].ends_with(" GMT"));
  EXPECT_EQ(m.count(bhttp::field::access_control_allow_origin), 0u);

  const auto seg = get("/media/sample/v360p/seg0.ts");
  EXPECT_EQ(seg.result(), bhttp::status::ok);
  EXPECT_EQ(seg[bhttp::field::content_type], "video/mp2t");
  EXPECT_EQ(seg[bhttp::field::content_length], std::to_string(kSegmentSize));
  EXPECT_TRUE(seg.body() == segment_bytes());
}

TEST_F(FileServerTest, ByteRanges) {
  const auto all = segment_bytes();
  const auto a_b = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=100-70099"}});
  EXPECT_EQ(a_b.result(), bhttp::status::partial_content);
  EXPECT_EQ(a_b[bhttp::field::content_range], "bytes 100-70099/1048576");
  EXPECT_EQ(a_b[bhttp::field::content_length], "70000");
  EXPECT_TRUE(a_b.body() == all.substr(100, 70000));

  const auto open = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=1048000-"}});
  EXPECT_EQ(open.result(), bhttp::status::partial_content);
  EXPECT_EQ(open[bhttp::field::content_range], "bytes 1048000-1048575/1048576");
  EXPECT_TRUE(open.body() == all.substr(1048000));

  const auto suffix = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=-10"}});
  EXPECT_EQ(suffix.result(), bhttp::status::partial_content);
  EXPECT_EQ(suffix[bhttp::field::content_range], "bytes 1048566-1048575/1048576");
  EXPECT_TRUE(suffix.body() == all.substr(kSegmentSize - 10));

  // A last position past the end is clamped.
  const auto clamp = get("/media/sample/master.m3u8", {{bhttp::field::range, "bytes=0-999999"}});
  EXPECT_EQ(clamp.result(), bhttp::status::partial_content);
  EXPECT_EQ(clamp[bhttp::field::content_range], "bytes 0-24/25");

  const auto past = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=2000000-"}});
  EXPECT_EQ(past.result(), bhttp::status::range_not_satisfiable);
  EXPECT_EQ(past[bhttp::field::content_range], "bytes */1048576");

  const auto multi = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=0-1, 5-9"}});
  EXPECT_EQ(multi.result(), bhttp::status::ok);
  EXPECT_EQ(multi.body().size(), kSegmentSize);

  const auto empty = get("/media/empty.txt", {{bhttp::field::range, "bytes=0-"}});
  EXPECT_EQ(empty.result(), bhttp::status::range_not_satisfiable);
  EXPECT_EQ(empty[bhttp::field::content_range], "bytes */0");
  EXPECT_EQ(get("/media/empty.txt").body(), "");

  for (const char* ignored : {"bytes=9-3", "items=0-1", "bytes=x-1", "bytes=-"}) {
    EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::range, ignored}}).result(),
              bhttp::status::ok)
        << ignored;
  }
}

TEST_F(FileServerTest, ConditionalRequests) {
  const auto first = get("/media/sample/master.m3u8");
  const std::string etag(first[bhttp::field::etag]);
  const std::string modified(first[bhttp::field::last_modified]);

  const auto inm = get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, etag}});
  EXPECT_EQ(inm.result(), bhttp::status::not_modified);
  EXPECT_EQ(inm[bhttp::field::etag], etag);
  EXPECT_TRUE(inm.body().empty());
  const auto list =
      get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, "\"other\", W/" + etag}});
  EXPECT_EQ(list.result(), bhttp::status::not_modified);
  EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, "*"}}).result(),
            bhttp::status::not_modified);
  EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, "\"x\""}}).result(),
            bhttp::status::ok);

  EXPECT_EQ(
      get("/media/sample/master.m3u8", {{bhttp::field::if_modified_since, modified}}).result(),
      bhttp::status::not_modified);
  EXPECT_EQ(get("/media/sample/master.m3u8",
                {{bhttp::field::if_modified_since, "Sat, 01 Jan 2000 00:00:00 GMT"}})
                .result(),
            bhttp::status::ok);
  // If-None-Match wins over If-Modified-Since.
  EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_none_match, "\"x\""},
                                              {bhttp::field::if_modified_since, modified}})
                .result(),
            bhttp::status::ok);

  const auto range_ok = get("/media/sample/master.m3u8",
                            {{bhttp::field::range, "bytes=0-3"}, {bhttp::field::if_range, etag}});
  EXPECT_EQ(range_ok.result(), bhttp::status::partial_content);
  EXPECT_EQ(range_ok.body(), "#EXT");
  const auto by_date = get("/media/sample/master.m3u8", {{bhttp::field::range, "bytes=0-3"},
                                                         {bhttp::field::if_range, modified}});
  EXPECT_EQ(by_date.result(), bhttp::status::partial_content);
  const auto stale = get("/media/sample/master.m3u8",
                         {{bhttp::field::range, "bytes=0-3"}, {bhttp::field::if_range, "\"old\""}});
  EXPECT_EQ(stale.result(), bhttp::status::ok);
  EXPECT_EQ(stale.body(), kManifest);
}

TEST_F(FileServerTest, HttpDates) {
  using namespace std::chrono;
  const auto when = sys_days{1994y / November / 6} + 8h + 49min + 37s;
  fs::last_write_time(root_ / "sample/master.m3u8", fs::file_time_type::clock::from_sys(when));
  const auto m = get("/media/sample/master.m3u8");
  EXPECT_EQ(m[bhttp::field::last_modified], "Sun, 06 Nov 1994 08:49:37 GMT");
  // RFC 9110 §5.6.7: the obsolete RFC 850 and asctime forms must be understood too.
  for (const char* date : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                           "Sun Nov  6 08:49:37 1994", "Mon, 07 Nov 1994 00:00:00 GMT"}) {
    EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_modified_since, date}}).result(),
              bhttp::status::not_modified)
        << date;
  }
  for (const char* date :
       {"Sun, 06 Nov 1994 08:49:36 GMT", "yesterday", "Sun, 32 Nov 1994 08:49:37 GMT"}) {
    EXPECT_EQ(get("/media/sample/master.m3u8", {{bhttp::field::if_modified_since, date}}).result(),
              bhttp::status::ok)
        << date;
  }
  const auto old_date =
      get("/media/sample/master.m3u8", {{bhttp::field::range, "bytes=0-3"},
                                        {bhttp::field::if_range, "Sun, 06 Nov 1994 08:49:36 GMT"}});
  EXPECT_EQ(old_date.result(), bhttp::status::ok);
}

TEST_F(FileServerTest, HeadHasHeadersButNoBody) {
  const auto m = get("/media/sample/v360p/seg0.ts", {{bhttp::field::range, "bytes=0-9"}}, {},
                     bhttp::verb::head);
  EXPECT_EQ(m.result(), bhttp::status::ok);
  EXPECT_EQ(m[bhttp::field::content_length], std::to_string(kSegmentSize));
  EXPECT_EQ(m[bhttp::field::content_type], "video/mp2t");
  EXPECT_TRUE(m.body().empty());
}

}  // namespace
