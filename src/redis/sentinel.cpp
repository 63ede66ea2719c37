// Sentinel discovery (https://redis.io/docs/latest/develop/reference/sentinel-clients/): the
// Sentinels are asked in order, each with a deadline, for the primary's address; the one that
// answered goes to the front of the list. The client (connection_connect.cpp) connects there and
// checks ROLE. Each question is one short TCP connection of its own: a Sentinel is asked at each
// (re)connection and once per Options::sentinel_check_interval while connected.
#include "sentinel.hpp"

#include "reply_reader.hpp"
#include "streampulse/core/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <exception>
#include <memory>

namespace streampulse::redis::detail {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// A Sentinel's answer, or why there is none. (HostPort can be made from a string too, so
// the error is always named.)
using Answer = boost::system::result<Url::HostPort, std::string>;
Answer no_answer(std::string why) { return Answer(boost::system::in_place_error, std::move(why)); }

// One question to one Sentinel: its socket and resolver, closed by the deadline's timer.
struct Probe {
  explicit Probe(const asio::any_io_executor& ex) : resolver(ex), socket(ex) {}
  tcp::resolver resolver;
  tcp::socket socket;
  bool timed_out = false;
  void close() {
    resolver.cancel();
    error_code ignored;
    socket.close(ignored);
  }
};

std::optional<std::uint16_t> port_of(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// The primary's address from one Sentinel, or why not.
asio::awaitable<Answer> ask_one(asio::any_io_executor ex, Url::HostPort sentinel,
                                const std::string& name, const std::string& password,
                                std::chrono::milliseconds step) {
  auto probe = std::make_shared<Probe>(ex);
  asio::steady_timer guard(ex, std::chrono::steady_clock::now() + step);
  guard.async_wait([w = std::weak_ptr<Probe>(probe)](error_code ec) {
    if (ec) return;
    if (auto p = w.lock()) {
      p->timed_out = true;
      p->close();
    }
  });
  auto fail = [&](std::string what) {
    if (probe->timed_out)
      return no_answer("no answer within " + std::to_string(step.count()) + " ms");
    return no_answer(std::move(what));
  };
  auto [rec, endpoints] = co_await probe->resolver.async_resolve(
      sentinel.host, std::to_string(sentinel.port), use_tuple);
  if (rec) co_return fail("resolve: " + rec.message());
  auto [cec, ep] = co_await asio::async_connect(probe->socket, endpoints, use_tuple);
  if (cec) co_return fail("connect: " + cec.message());
  error_code ignored;
  probe->socket.set_option(tcp::no_delay(true), ignored);

  std::vector<Command> cmds;
  if (!password.empty()) cmds.push_back({"AUTH", password});
  cmds.push_back({"SENTINEL", "get-master-addr-by-name", name});
  const auto bytes = encode_commands(cmds);
  auto [wec, written] = co_await asio::async_write(probe->socket, asio::buffer(bytes), use_tuple);
  if (wec) co_return fail("write: " + wec.message());
  ReplyReader reader;
  std::vector<Reply> replies;
  std::array<char, 1024> buf{};
  while (replies.size() < cmds.size()) {
    Reply r;
    const auto next = reader.next(r);
    if (next == ReplyReader::Next::reply) {
      replies.push_back(std::move(r));
      continue;
    }
    if (next == ReplyReader::Next::protocol_error)
      co_return fail("protocol error: " + reader.error());
    auto [ec, n] = co_await probe->socket.async_read_some(asio::buffer(buf), use_tuple);
    if (ec) co_return fail("read: " + ec.message());
    reader.feed({buf.data(), n});
  }
  guard.cancel();
  probe->close();
  for (const auto& r : replies) {
    if (r.is_error()) co_return fail(r.str.empty() ? "an error reply" : r.str);
  }
  const Reply& a = replies.back();
  if (a.is_nil()) co_return fail("does not know '" + name + "'");
  if (a.type != Reply::Type::array || a.elements.size() != 2 || a.elements[0].str.empty()) {
    co_return fail("an answer that is not host and port");
  }
  const auto port = port_of(a.elements[1].str);
  if (!port) co_return fail("an answer that is not host and port");
  co_return Answer(boost::system::in_place_value, Url::HostPort{a.elements[0].str, *port});
}

}  // namespace

asio::awaitable<boost::system::result<SentinelAnswer, SentinelError>> ask_sentinels(
    asio::any_io_executor ex, std::vector<Url::HostPort>& order, std::string name,
    std::string password, std::chrono::milliseconds step) {
  SentinelError error{make_error_code(errc::unavailable), {}};
  // A copy: `order` may be reordered by another question while this one waits.
  const auto sentinels = order;
  for (const auto& sentinel : sentinels) {
    Answer answer = no_answer("failed");
    try {
      answer = co_await ask_one(ex, sentinel, name, password, step);
    } catch (const std::exception& e) {
      answer = no_answer(e.what());
    }
    if (answer) {
      const auto at = std::find(order.begin(), order.end(), sentinel);
      if (at != order.end()) std::rotate(order.begin(), at, at + 1);
      co_return SentinelAnswer{*answer, sentinel};
    }
    if (!error.why.empty()) error.why += "; ";
    error.why += "Sentinel " + sentinel.text() + ": " + answer.error();
  }
  if (error.why.empty()) error.why = "no Sentinel";
  co_return error;
}

std::optional<Url::HostPort> parse_moved(std::string_view error, std::string_view current_host) {
  // MOVED <slot> <endpoint>
  if (!error.starts_with("MOVED ")) return std::nullopt;
  error.remove_prefix(6);
  const auto space = error.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  const auto slot = error.substr(0, space);
  if (!std::all_of(slot.begin(), slot.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const auto endpoint = error.substr(space + 1);
  const auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto host = endpoint.substr(0, colon);
  const auto port = port_of(endpoint.substr(colon + 1));
  if (!port || host.find(' ') != std::string_view::npos) return std::nullopt;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = current_host;
  if (host.empty()) return std::nullopt;
  return Url::HostPort{std::string(host), *port};
}

}  // namespace streampulse::redis::detail
