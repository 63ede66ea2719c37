#include "streampulse/app/from_config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

namespace streampulse::app {

namespace asio = boost::asio;
using asio::ip::tcp;

std::unique_ptr<momento::MomentoStore> make_momento_store(asio::any_io_executor ex, const Config& c,
                                                          std::string& message) {
  auto credentials =
      momento::parse_credentials(c.momento_api_key, c.momento_endpoint, c.momento_base_url);
  if (!credentials) {
    message = "MOMENTO_API_KEY: " + credentials.error().message;
    return nullptr;
  }
  momento::MomentoSettings ms;
  ms.credentials = std::move(*credentials);
  ms.cache = c.cache;
  ms.mode = c.momento_grpc_web == config::GrpcWebEncoding::binary ? momento::grpc_web::Mode::binary
                                                                  : momento::grpc_web::Mode::text;
  ms.policy.budget = std::chrono::milliseconds(c.momento_timeout_ms);
  return std::make_unique<momento::MomentoStore>(ex, std::move(ms));
}

std::unique_ptr<redis::RedisStore> make_redis_store(asio::any_io_executor ex,
                                                    const core::Clock& clock, const Config& c,
                                                    std::string instance_id, std::string& message) {
  auto url = redis::Url::parse(c.redis_url);
  if (!url) {
    message = "--redis-url is not a Redis URL";
    return nullptr;
  }
  redis::Options options;
  options.url = std::move(*url);
  options.client_name = "streampulse";
  redis::StoreSettings settings;
  settings.cache = c.cache;
  settings.instance_id = std::move(instance_id);
  settings.budget = std::chrono::milliseconds(c.redis_timeout_ms);
  settings.max_waiting_polls = c.max_long_polls;
  // The heartbeat topic carries a whole audience's heartbeats (13,000 a second at 10,000 viewers):
  // enough history that an intake a moment behind loses none.
  settings.topic_history = 4096;
  return std::make_unique<redis::RedisStore>(ex, clock, std::move(options), std::move(settings));
}

boost::system::result<tcp::endpoint> parse_listen(const std::string& listen) {
  const auto invalid = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return invalid;
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port_text = listen.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos)
    return invalid;
  const int port = std::stoi(port_text);
  if (port > 65535) return invalid;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    asio::io_context resolve_ctx;
    tcp::resolver resolver(resolve_ctx);
    auto found = resolver.resolve(host, port_text, tcp::resolver::numeric_service, ec);
    if (ec || found.empty()) return ec ? ec : invalid;
    address = found.begin()->endpoint().address();
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace streampulse::app
