#include "viewer_http.hpp"

#include "streampulse/sim/targets.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>

#include "streampulse/sim/backoff.hpp"

namespace streampulse::sim {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const Endpoint* Endpoints::find(const Target& target, std::string& why) {
  auto& slot = known_[target.host_header];
  if (slot) return slot.get();
  boost::system::error_code ec;
  tcp::resolver resolver(ex_);
  const auto results = resolver.resolve(target.host, std::to_string(target.port), ec);
  if (ec || results.empty()) {
    why = "cannot resolve " + target.host + ": " + (ec ? ec.message() : "no address");
    known_.erase(target.host_header);
    return nullptr;
  }
  slot = std::make_unique<Endpoint>();
  slot->address = results.begin()->endpoint();
  slot->host_header = target.host_header;
  return slot.get();
}

void Conn::close() {
  boost::system::error_code ignored;
  socket.close(ignored);
  endpoint = nullptr;
  buffer.clear();
}

void Conn::check_deadline(std::int64_t now_ms) {
  if (deadline_ms != 0 && now_ms > deadline_ms && socket.is_open()) {
    timed_out = true;
    close();
  }
}

namespace {

bool closed_by_peer(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == bhttp::error::partial_message;
}

}  // namespace

asio::awaitable<void> exchange(Conn& conn, const Endpoint& endpoint, const std::string& request,
                               std::int64_t timeout_ms, Answer& out) {
  out = Answer{};
  conn.timed_out = false;
  conn.deadline_ms = steady_ms() + timeout_ms;
  boost::system::error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = conn.socket.is_open() && conn.endpoint == &endpoint;
    if (!reused) {
      conn.close();
      if (!conn.source.is_unspecified() && endpoint.address.address().is_loopback() &&
          endpoint.address.address().is_v4()) {
        // The viewer's own loopback address; port 0: any free one.
        boost::system::error_code bec;
        conn.socket.open(tcp::v4(), bec);
        if (!bec) conn.socket.bind(tcp::endpoint(conn.source, 0), bec);
        if (bec) {
          conn.close();
          out.reason = "bind " + conn.source.to_string() + ": " + bec.message();
          conn.deadline_ms = 0;
          co_return;
        }
      }
      auto [cec] =
          co_await conn.socket.async_connect(endpoint.address, asio::as_tuple(asio::use_awaitable));
      if (cec) {
        ec = cec;
        out.connection_refused = cec == asio::error::connection_refused;
        break;
      }
      conn.endpoint = &endpoint;
      boost::system::error_code ignored;
      conn.socket.set_option(tcp::no_delay(true), ignored);
    }
    auto [wec, written] = co_await asio::async_write(conn.socket, asio::buffer(request),
                                                     asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (!wec) {
      bhttp::response<bhttp::string_body> res;
      auto [rec, read] = co_await bhttp::async_read(conn.socket, conn.buffer, res,
                                                    asio::as_tuple(asio::use_awaitable));
      (void)read;
      if (!rec) {
        out.status = res.result_int();
        if (auto it = res.find(bhttp::field::retry_after); it != res.end()) {
          out.retry_after_ms = parse_retry_after_ms(it->value());
        }
        out.body = std::move(res.body());
        if (!res.keep_alive()) conn.close();
        conn.deadline_ms = 0;
        co_return;
      }
      ec = rec;
    } else {
      ec = wec;
    }
    conn.close();
    // The server closed an idle keep-alive connection under us: once more on a fresh one.
    if (!(reused && !conn.timed_out && closed_by_peer(ec))) break;
  }
  conn.close();
  conn.deadline_ms = 0;
  out.reason = conn.timed_out ? std::string("timeout") : ec.message();
}

}  // namespace streampulse::sim
