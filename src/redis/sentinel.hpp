#pragma once
// Where the primary is, for the Redis client (connection_connect.cpp): asked of Sentinels
// (redis+sentinel:// URLs, after the Redis Sentinel client spec), or named by a Cluster's
// MOVED reply. Private to src/redis (the unit tests include it from there).
#include "streampulse/redis/client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::redis::detail {

struct SentinelError {
  boost::system::error_code code;  // errc::unavailable, or deadline_exceeded (the last one)
  std::string why;                 // what each Sentinel said, for the log
};

struct SentinelAnswer {
  Url::HostPort primary;
  Url::HostPort sentinel;  // the one that answered
};

// Asks the Sentinels in `order`, one after the other, each within `step` (connect, AUTH with
// `password` when not empty, SENTINEL get-master-addr-by-name `name`), for the address of the
// primary. The first that gives one answers; one that does not know the name, refuses, or does
// not answer in time is skipped. The one that answered is moved to the front of `order`, so
// that it is asked first the next time. Never blocks, never throws.
boost::asio::awaitable<boost::system::result<SentinelAnswer, SentinelError>> ask_sentinels(
    boost::asio::any_io_executor ex, std::vector<Url::HostPort>& order, std::string name,
    std::string password, std::chrono::milliseconds step);

// The address of "MOVED <slot> <host>:<port>" (an empty host, as Redis 7 sends when it does not
// know its own, is `current_host`); nullopt when `error` is not such a reply.
std::optional<Url::HostPort> parse_moved(std::string_view error, std::string_view current_host);

}  // namespace streampulse::redis::detail
