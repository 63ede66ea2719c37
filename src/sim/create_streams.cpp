#include "streampulse/sim/create_streams.hpp"

#include "streampulse/net/http_client.hpp"
#include "streampulse/sim/stream_spread.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdio>

namespace streampulse::sim {

namespace asio = boost::asio;
namespace bh = boost::beast::http;

int create_sim_streams(const std::string& base, const std::string& admin_token,
                       std::size_t streams) {
  asio::io_context io(1);
  net::HttpClient client(io.get_executor(), {});
  int rc = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (std::size_t k = 0; k < streams && rc == 0; ++k) {
          const std::string id = StreamSpread::stream_id(k);
          net::Request req;
          req.method = bh::verb::put;
          req.url = base + "/api/streams/" + id;
          req.headers.set(bh::field::authorization, "Bearer " + admin_token);
          req.headers.set(bh::field::content_type, "application/json");
          req.body = boost::json::serialize(boost::json::object{
              {"name", "Simulated " + id}, {"url", "/media/sample/master.m3u8"}});
          req.timeout = std::chrono::seconds(30);
          const auto result = co_await client.request(std::move(req));
          if (!result) {
            std::fprintf(stderr, "streampulse simulate: creating stream %s failed: %s\n",
                         id.c_str(), result.error().message().c_str());
            rc = 1;
          } else if (result->status != 200 && result->status != 201) {
            std::fprintf(stderr, "streampulse simulate: creating stream %s: HTTP %u %s\n",
                         id.c_str(), result->status, result->body.c_str());
            rc = 1;
          }
        }
      },
      asio::detached);
  io.run();
  return rc;
}

}  // namespace streampulse::sim
