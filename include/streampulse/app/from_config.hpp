#pragma once
// Parts App::start builds from the configuration: the listen address and the remote
// backends' adapters.
#include "streampulse/config/config.hpp"
#include "streampulse/momento/momento_store.hpp"
#include "streampulse/redis/redis_store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <string>

namespace streampulse::app {

using config::Config;

// "host:port", "[v6]:port" or ":port"; a host name (localhost) is resolved once, before the
// service runs (a blocking lookup, never on a loop's thread), and its first address is used.
boost::system::result<boost::asio::ip::tcp::endpoint> parse_listen(const std::string& listen);

// The Momento adapter for the configured key, or null with `message` saying what is wrong.
std::unique_ptr<momento::MomentoStore> make_momento_store(boost::asio::any_io_executor ex,
                                                          const Config& c, std::string& message);

// The Redis adapter for the configured URL (not connected yet), or null with `message`.
std::unique_ptr<redis::RedisStore> make_redis_store(boost::asio::any_io_executor ex,
                                                    const core::Clock& clock, const Config& c,
                                                    std::string instance_id, std::string& message);

}  // namespace streampulse::app
