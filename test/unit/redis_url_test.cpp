// redis::Url::parse and redacted(): the forms of STREAMPULSE_REDIS_URL.
#include "../../src/redis/sentinel.hpp"
#include "streampulse/redis/client.hpp"

#include <gtest/gtest.h>

namespace streampulse::redis {
namespace {

Url parse_ok(std::string_view text) {
  auto u = Url::parse(text);
  EXPECT_TRUE(u.has_value()) << text;
  return u ? *u : Url{};
}

TEST(RedisUrl, TcpDefaults) {
  const auto u = parse_ok("redis://localhost");
  EXPECT_EQ(u.kind, Url::Kind::tcp);
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.db, 0);
  EXPECT_TRUE(u.user.empty());
  EXPECT_TRUE(u.password.empty());
  EXPECT_EQ(parse_ok("redis://localhost/").db, 0);
  EXPECT_EQ(parse_ok("REDIS://h").kind, Url::Kind::tcp);
}

TEST(RedisUrl, TcpEverything) {
  const auto u = parse_ok("redis://alice:s3cret@cache.internal:6380/3");
  EXPECT_EQ(u.host, "cache.internal");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 3);
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "s3cret");
  EXPECT_EQ(u.redacted(), "redis://alice:***@cache.internal:6380/3");
}

TEST(RedisUrl, PasswordOnly) {
  const auto u = parse_ok("redis://:pw@10.0.0.5:7000");
  EXPECT_TRUE(u.user.empty());
  EXPECT_EQ(u.password, "pw");
  EXPECT_EQ(u.host, "10.0.0.5");
  EXPECT_EQ(u.redacted(), "redis://:***@10.0.0.5:7000");
}

TEST(RedisUrl, PercentDecoding) {
  const auto u = parse_ok("redis://us%40er:p%3Aw%2F%25d@h");
  EXPECT_EQ(u.user, "us@er");
  EXPECT_EQ(u.password, "p:w/%d");
  EXPECT_EQ(u.redacted().find("p:w"), std::string::npos);
}

TEST(RedisUrl, Ipv6) {
  const auto u = parse_ok("rediss://[::1]:6390/2");
  EXPECT_EQ(u.kind, Url::Kind::tls);
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 6390);
  EXPECT_EQ(u.db, 2);
  EXPECT_EQ(u.redacted(), "rediss://[::1]:6390/2");
  EXPECT_EQ(parse_ok("redis://[2001:db8::7]").host, "2001:db8::7");
}

TEST(RedisUrl, UnixSocket) {
  auto u = parse_ok("unix:///run/redis/redis.sock");
  EXPECT_EQ(u.kind, Url::Kind::unix_socket);
  EXPECT_EQ(u.path, "/run/redis/redis.sock");
  EXPECT_EQ(u.db, 0);
  EXPECT_EQ(u.redacted(), "unix:///run/redis/redis.sock");
  u = parse_ok("unix://:pw@/tmp/r.sock?db=5");
  EXPECT_EQ(u.path, "/tmp/r.sock");
  EXPECT_EQ(u.password, "pw");
  EXPECT_EQ(u.db, 5);
  EXPECT_EQ(u.redacted(), "unix://:***@/tmp/r.sock?db=5");
  EXPECT_EQ(parse_ok("unix:///tmp/a%20b.sock").path, "/tmp/a b.sock");
}

TEST(RedisUrl, BadOnesRefused) {
  for (const char* bad : {"",
                          "localhost:6379",
                          "http://localhost",
                          "redis://",
                          "redis://:6379",
                          "redis://h:0",
                          "redis://h:65536",
                          "redis://h:12ab",
                          "redis://h:",
                          "redis://h/x",
                          "redis://h/-1",
                          "redis://h/1/2",
                          "redis://h/99999999999",
                          "redis://h?db=1",
                          "redis://h#frag",
                          "redis://password@h",
                          "redis://user:@h",
                          "unix://",
                          "unix:///",
                          "unix://host/tmp/r.sock",
                          "unix:///tmp/r.sock?db=x",
                          "unix:///tmp/r.sock?foo=1",
                          "redis://[::1",
                          "redis://[v1.x]/",
                          "redis:///0"}) {
    EXPECT_FALSE(Url::parse(bad).has_value()) << bad;
  }
}

TEST(RedisUrl, SentinelOne) {
  const auto u = parse_ok("redis+sentinel://127.0.0.1:26380/sp");
  EXPECT_EQ(u.kind, Url::Kind::sentinel);
  ASSERT_EQ(u.sentinels.size(), 1u);
  EXPECT_EQ(u.sentinels[0].host, "127.0.0.1");
  EXPECT_EQ(u.sentinels[0].port, 26380);
  EXPECT_EQ(u.master_name, "sp");
  EXPECT_EQ(u.db, 0);
  EXPECT_TRUE(u.password.empty());
  EXPECT_TRUE(u.sentinel_password.empty());
  EXPECT_EQ(u.redacted(), "redis+sentinel://127.0.0.1:26380/sp");
  EXPECT_EQ(parse_ok("REDIS+SENTINEL://s/sp").sentinels[0].port, 26379);  // the default port
}

TEST(RedisUrl, SentinelEverything) {
  const auto u = parse_ok(
      "redis+sentinel://alice:p%40ss@s1.internal:26379,[::1]:26380,10.0.0.7/my%20primary/3"
      "?sentinel_password=se+cr%26et");
  EXPECT_EQ(u.kind, Url::Kind::sentinel);
  ASSERT_EQ(u.sentinels.size(), 3u);
  EXPECT_EQ(u.sentinels[0], (Url::HostPort{"s1.internal", 26379}));
  EXPECT_EQ(u.sentinels[1], (Url::HostPort{"::1", 26380}));
  EXPECT_EQ(u.sentinels[2], (Url::HostPort{"10.0.0.7", 26379}));
  EXPECT_EQ(u.master_name, "my primary");
  EXPECT_EQ(u.db, 3);
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "p@ss");               // the data nodes'
  EXPECT_EQ(u.sentinel_password, "se+cr&et");  // a '+' is a plus
  const auto shown = u.redacted();
  EXPECT_EQ(shown,
            "redis+sentinel://alice:***@s1.internal:26379,[::1]:26380,10.0.0.7:26379/"
            "my%20primary/3?sentinel_password=***");
  EXPECT_EQ(shown.find("p@ss"), std::string::npos);
  EXPECT_EQ(shown.find("cr"), std::string::npos);
  EXPECT_TRUE(Url::parse(shown).has_value());  // the redacted form still parses
  EXPECT_EQ(parse_ok("redis+sentinel://:pw@s/sp").password, "pw");
}

TEST(RedisUrl, SentinelBadOnesRefused) {
  for (const char* bad : {"redis+sentinel://",
                          "redis+sentinel:/s/sp",
                          "redis+sentinel://s",
                          "redis+sentinel://s/",
                          "redis+sentinel://s//",
                          "redis+sentinel://s/sp/",
                          "redis+sentinel://s/sp/x",
                          "redis+sentinel://s/sp/1/2",
                          "redis+sentinel://,s/sp",
                          "redis+sentinel://s,/sp",
                          "redis+sentinel://s,,t/sp",
                          "redis+sentinel://s:0/sp",
                          "redis+sentinel://s:65536/sp",
                          "redis+sentinel://s:/sp",
                          "redis+sentinel://:26379/sp",
                          "redis+sentinel://[::1/sp",
                          "redis+sentinel://password@s/sp",
                          "redis+sentinel://user:@s/sp",
                          "redis+sentinel://s/sp?db=1",
                          "redis+sentinel://s/sp?sentinel_password=",
                          "redis+sentinel://s/sp?sentinel_password",
                          "redis+sentinel://s/sp?sentinel_password=a&sentinel_password=b",
                          "redis+sentinel://s/sp#frag",
                          "rediss+sentinel://s/sp",
                          "redis-sentinel://s/sp"}) {
    EXPECT_FALSE(Url::parse(bad).has_value()) << bad;
  }
}

TEST(RedisUrl, MovedReplies) {
  using detail::parse_moved;
  EXPECT_EQ(parse_moved("MOVED 3999 127.0.0.1:6381", "h"), (Url::HostPort{"127.0.0.1", 6381}));
  EXPECT_EQ(parse_moved("MOVED 1 redis-2.internal:7000", "h"),
            (Url::HostPort{"redis-2.internal", 7000}));
  EXPECT_EQ(parse_moved("MOVED 1 [::1]:7000", "h"), (Url::HostPort{"::1", 7000}));
  EXPECT_EQ(parse_moved("MOVED 1 :7000", "10.0.0.1"), (Url::HostPort{"10.0.0.1", 7000}));
  for (const char* bad :
       {"MOVED", "MOVED 1", "MOVED 1 h", "MOVED 1 h:0", "MOVED 1 h:x", "MOVED x h:1", "ASK 1 h:1",
        "READONLY You can't write", "MOVED 1 h:1 x"}) {
    EXPECT_FALSE(parse_moved(bad, "h").has_value()) << bad;
  }
}

}  // namespace
}  // namespace streampulse::redis
