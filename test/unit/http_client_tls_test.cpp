// HttpClient over https against a tiny Beast TLS server on 127.0.0.1:0, with the test-only
// certificates of test/data/tls (see its README.md).

#include <boost/asio/io_context.hpp>
#include "streampulse/core/error.hpp"
#include "streampulse/net/http_client.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace streampulse::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// test/data/tls, found from this source file (test/CMakeLists.txt defines no path), or else
// upwards from the working directory (ctest runs in <build>/test).
std::string tls_file(const std::string& name) {
  const fs::path from_source = fs::path(__FILE__).parent_path().parent_path() / "data" / "tls";
  if (fs::exists(from_source / name)) return (from_source / name).string();
  for (auto dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    const auto candidate = dir / "test" / "data" / "tls" / name;
    if (fs::exists(candidate)) return candidate.string();
    if (dir == dir.parent_path()) break;
  }
  ADD_FAILURE() << "test/data/tls/" << name << " not found";
  return name;
}

Request get(std::string url, std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
  Request r;
  r.url = std::move(url);
  r.timeout = timeout;
  return r;
}

HttpClientOptions trusting_test_ca() {
  HttpClientOptions o;
  o.extra_ca_file = tls_file("ca.pem");
  return o;
}

// Serves TLS with `leaf`.pem: /flaky drops the connection unanswered when it is not the
// connection's first request, /close answers then closes (no close_notify), anything else
// answers "hello over tls". With `stall`, accepts TCP connections and never says a word.
class TlsServer {
 public:
  TlsServer(asio::io_context& io, const std::string& leaf, bool stall = false)
      : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), stall_(stall) {
    ctx_.use_certificate_chain_file(tls_file(leaf + ".pem"));
    ctx_.use_private_key_file(tls_file(leaf + ".key"), ssl::context::pem);
    asio::co_spawn(io, accept_loop(), asio::detached);
  }
  std::string url(std::string_view host, std::string_view path) const {
    return "https://" + std::string(host) + ":" +
           std::to_string(acceptor_.local_endpoint().port()) + std::string(path);
  }
  int accepted = 0;
  int handshakes = 0;                // completed
  std::vector<std::string> sni;      // per completed handshake, "" when none was sent
  std::vector<tcp::socket> stalled;  // held open, never read

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      ++accepted;
      if (stall_) {
        stalled.push_back(std::move(socket));
        continue;
      }
      asio::co_spawn(acceptor_.get_executor(), session(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> session(tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ctx_);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (hec) co_return;
    ++handshakes;
    const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    sni.emplace_back(name ? name : "");
    beast::flat_buffer buffer;
    for (int served = 0;; ++served) {
      bhttp::request<bhttp::string_body> req;
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, req, use_tuple);
      if (ec) co_return;
      if (req.target() == "/flaky" && served > 0) co_return;
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      res.body() = "hello over tls";
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, m] = co_await bhttp::async_write(stream, res, use_tuple);
      if (wec || req.target() == "/close") co_return;
    }
  }
  ssl::context ctx_{ssl::context::tls_server};
  tcp::acceptor acceptor_;
  bool stall_;
};

// Runs `body` as a coroutine next to the server; stops when it returns.
void run(asio::io_context& io, std::function<asio::awaitable<void>()> body) {
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    io.stop();
    if (e) std::rethrow_exception(e);
  });
  io.run_for(20s);
}

unsigned status_of(const boost::system::result<Response>& res) {
  return res ? res.value().status : 0;
}

TEST(HttpClientTlsTest, GetsWithTheTestCaTrustedAndReusesTheConnection) {
  asio::io_context io;
  TlsServer server(io, "server");
  HttpClient client(io.get_executor(), trusting_test_ca());
  std::vector<unsigned> statuses;
  boost::system::result<Response> first, by_name;
  run(io, [&]() -> asio::awaitable<void> {
    first = co_await client.request(get(server.url("127.0.0.1", "/x")));
    for (int i = 0; i < 3; ++i) {
      statuses.push_back(status_of(co_await client.request(get(server.url("127.0.0.1", "/y")))));
    }
    // Another host name is another pool entry, so a new connection: verified by DNS name, SNI.
    by_name = co_await client.request(get(server.url("localhost", "/z")));
  });
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first.value().status, 200u);
  EXPECT_EQ(first.value().body, "hello over tls");
  EXPECT_EQ(statuses, std::vector<unsigned>(3, 200));
  ASSERT_TRUE(by_name) << by_name.error().message();
  EXPECT_EQ(server.accepted, 2);
  EXPECT_EQ(server.handshakes, 2);
  EXPECT_EQ(server.sni, (std::vector<std::string>{"", "localhost"}));  // none for an address
}

TEST(HttpClientTlsTest, UntrustedCaFailsVerification) {
  asio::io_context io;
  TlsServer server(io, "server");
  HttpClient client(io.get_executor());  // the system store only
  boost::system::result<Response> res;
  run(io, [&]() -> asio::awaitable<void> {
    res = co_await client.request(get(server.url("127.0.0.1", "/x")));
  });
  ASSERT_FALSE(res);
  EXPECT_TRUE(is_tls_verify_error(res.error())) << res.error().message();
  EXPECT_NE(res.error().message().find("certificate verification failed"), std::string::npos);
  EXPECT_NE(res.error().message().find("local issuer"), std::string::npos) << res.error().message();
  EXPECT_EQ(server.handshakes, 0);
}

TEST(HttpClientTlsTest, NameMismatchFailsUnlessVerificationIsOff) {
  asio::io_context io;
  TlsServer server(io, "other");  // a valid chain, for other.invalid
  HttpClient client(io.get_executor(), trusting_test_ca());
  HttpClientOptions insecure;
  insecure.insecure_skip_verify_for_tests = true;
  HttpClient insecure_client(io.get_executor(), insecure);
  boost::system::result<Response> by_address, by_name, unverified;
  run(io, [&]() -> asio::awaitable<void> {
    by_address = co_await client.request(get(server.url("127.0.0.1", "/x")));
    by_name = co_await client.request(get(server.url("localhost", "/x")));
    unverified = co_await insecure_client.request(get(server.url("127.0.0.1", "/x")));
  });
  ASSERT_FALSE(by_address);
  EXPECT_TRUE(is_tls_verify_error(by_address.error()));
  EXPECT_NE(by_address.error().message().find("IP address mismatch"), std::string::npos)
      << by_address.error().message();
  ASSERT_FALSE(by_name);
  EXPECT_TRUE(is_tls_verify_error(by_name.error()));
  EXPECT_NE(by_name.error().message().find("hostname mismatch"), std::string::npos)
      << by_name.error().message();
  ASSERT_TRUE(unverified) << unverified.error().message();
  EXPECT_EQ(unverified.value().status, 200u);
}

TEST(HttpClientTlsTest, StalledHandshakeHitsTheConnectDeadline) {
  asio::io_context io;
  TlsServer server(io, "server", /*stall=*/true);
  HttpClientOptions opts = trusting_test_ca();
  opts.connect_timeout = 200ms;
  HttpClient client(io.get_executor(), opts);
  boost::system::result<Response> res;
  const auto t0 = std::chrono::steady_clock::now();
  run(io, [&]() -> asio::awaitable<void> {
    res = co_await client.request(get(server.url("127.0.0.1", "/x"), 5s));
  });
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), make_error_code(errc::deadline_exceeded)) << res.error().message();
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_EQ(server.accepted, 1);
}

// A server that closes without close_notify: the idle connection is noticed dead before reuse,
// and a GET sent on a connection dropped unanswered (stream truncated) is retried once.
TEST(HttpClientTlsTest, ClosedConnectionsAreReplacedAndGetsRetried) {
  asio::io_context io;
  TlsServer server(io, "server");
  HttpClient client(io.get_executor(), trusting_test_ca());
  std::vector<unsigned> closes, flakies;
  run(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 2; ++i) {
      closes.push_back(status_of(co_await client.request(get(server.url("127.0.0.1", "/close")))));
      asio::steady_timer t(io, 20ms);  // let the server's FIN arrive
      co_await t.async_wait(use_tuple);
    }
    for (int i = 0; i < 2; ++i) {
      flakies.push_back(status_of(co_await client.request(get(server.url("127.0.0.1", "/flaky")))));
    }
  });
  EXPECT_EQ(closes, (std::vector<unsigned>{200, 200}));
  EXPECT_EQ(flakies, (std::vector<unsigned>{200, 200}));
  EXPECT_EQ(server.handshakes, 4);
}

TEST(HttpClientTlsTest, UnreadableCaFileIsAnErrorForHttpsOnly) {
  asio::io_context io;
  HttpClientOptions opts;
  opts.extra_ca_file = "/nonexistent/ca.pem";
  HttpClient client(io.get_executor(), opts);
  boost::system::result<Response> res;
  run(io, [&]() -> asio::awaitable<void> {
    res = co_await client.request(get("https://127.0.0.1:1/"));
  });
  ASSERT_FALSE(res);
  EXPECT_FALSE(is_tls_verify_error(res.error()));
  EXPECT_NE(res.error(), asio::error::connection_refused) << res.error().message();
}

}  // namespace
}  // namespace streampulse::net
