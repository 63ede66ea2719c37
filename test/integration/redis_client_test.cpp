// redis::Connection against a real redis-server (test/integration/redis_server.hpp): a PING, TCP,
// error replies, AUTH, SELECT and TLS. Deadlines and failures: redis_client_failures_test.cpp;
// pipelining, the queue bound and a blocking XREAD: redis_client_load_test.cpp.
#include "redis_client_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace streampulse::redis {
namespace {

using namespace client_tests;

TEST_F(RedisClient, Ping) {
  START_REDIS();
  Connection conn(loop.io.get_executor(), options_for(server().unix_url()));
  conn.start();
  auto r = exec_on(loop.io, conn, {{"PING"}, {"ECHO", "hi"}}, 2000ms);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].type, Reply::Type::status);
  EXPECT_EQ((*r)[0].str, "PONG");
  EXPECT_EQ((*r)[1].str, "hi");
  EXPECT_TRUE(conn.figures().connected);
  EXPECT_NE(server().cli({"CLIENT", "LIST"}).find("name=streampulse-test"), std::string::npos);
  // No commands: no replies, no round trip.
  auto empty = exec_on(loop.io, conn, {}, 100ms);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

TEST_F(RedisClient, TcpLoopback) {
  START_REDIS(with_tcp());
  Connection conn(loop.io.get_executor(), options_for(server().tcp_url()));
  conn.start();
  auto r = exec_on(loop.io, conn, {{"SET", "k", std::string("a\0\r\nb", 5)}, {"GET", "k"}}, 2000ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)[1].str, std::string("a\0\r\nb", 5));
}

TEST_F(RedisClient, ErrorReplyIsAReply) {
  START_REDIS();
  Connection conn(loop.io.get_executor(), options_for(server().unix_url()));
  conn.start();
  auto r = exec_on(loop.io, conn, {{"SET", "s", "abc"}, {"INCR", "s"}, {"NOSUCHCOMMAND"}}, 2000ms);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_FALSE((*r)[0].is_error());
  EXPECT_TRUE((*r)[1].is_error());
  EXPECT_EQ((*r)[1].error_kind(), "ERR");
  EXPECT_TRUE((*r)[2].is_error());
  auto next = exec_on(loop.io, conn, {{"GET", "s"}}, 2000ms);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ((*next)[0].str, "abc");
}

TEST_F(RedisClient, AuthWithRequirepass) {
  START_REDIS(with_password("s3cret:%/"));
  {
    // The password percent-encoded in the URL.
    Connection conn(loop.io.get_executor(),
                    options_for("unix://:s3cret%3A%25%2F@" + server().socket_path()));
    conn.start();
    EXPECT_TRUE(wait_until_answering(loop.io, conn, 3000ms));
  }
  {
    Connection conn(loop.io.get_executor(),
                    options_for("unix://default:s3cret%3A%25%2F@" + server().socket_path()));
    conn.start();
    EXPECT_TRUE(wait_until_answering(loop.io, conn, 3000ms));  // AUTH user password (ACL)
  }
  LogCapture logs;
  {
    auto opts = options_for("unix://:wrong@" + server().socket_path());
    opts.backoff_max = 100ms;
    Connection conn(loop.io.get_executor(), opts);
    conn.start();
    for (int i = 0; i < 4; ++i) {
      auto r = exec_on(loop.io, conn, {{"PING"}}, 300ms);
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().code, make_error_code(errc::unavailable));
      EXPECT_FALSE(r.error().maybe_executed);
    }
    EXPECT_FALSE(conn.figures().connected);
    conn.stop();
  }
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(logs.count("cannot connect"), 1u) << logs.out.str();
  EXPECT_EQ(logs.count("WRONGPASS"), 1u) << logs.out.str();
}

TEST_F(RedisClient, SelectsTheDatabase) {
  START_REDIS();
  Connection conn(loop.io.get_executor(), options_for(server().unix_url(3)));
  conn.start();
  auto r = exec_on(loop.io, conn, {{"SET", "in3", "yes"}}, 2000ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(server().cli({"-n", "3", "GET", "in3"}), "yes\n");
  EXPECT_EQ(server().cli({"GET", "in3"}), "\n");
}

TEST_F(RedisClient, Tls) {
  REQUIRE_REDIS();
  if (!RedisServer::supports_tls()) GTEST_SKIP() << "redis-server built without TLS";
  ASSERT_NO_FATAL_FAILURE(start_server(with_tls()));
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    auto opts = options_for(server().tls_url(host));
    opts.extra_ca_file = RedisServer::tls_file("ca.pem");
    Connection conn(loop.io.get_executor(), opts);
    conn.start();
    EXPECT_TRUE(wait_until_answering(loop.io, conn, 3000ms)) << host;
    auto r = exec_on(loop.io, conn, {{"SET", "t", "over tls"}, {"GET", "t"}}, 2000ms);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ((*r)[1].str, "over tls");
  }
  LogCapture logs;
  {
    // Without the test CA the server's certificate is not trusted: never connected.
    auto opts = options_for(server().tls_url());
    Connection conn(loop.io.get_executor(), opts);
    conn.start();
    auto r = exec_on(loop.io, conn, {{"PING"}}, 500ms);
    ASSERT_FALSE(r.has_value());
    EXPECT_FALSE(r.error().maybe_executed);
    EXPECT_FALSE(conn.figures().connected);
    conn.stop();
  }
  std::this_thread::sleep_for(50ms);
  EXPECT_GE(logs.count("certificate verification failed"), 1u) << logs.out.str();
}

}  // namespace
}  // namespace streampulse::redis
