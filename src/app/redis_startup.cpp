// The Redis backend's startup and upkeep run by the App: the server's version and eviction
// policy checked before serving, and the viewer tokens' key shared by every instance.
#include "app_impl.hpp"

#include "streampulse/redis/client.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace streampulse::app {

// Before the Redis backend serves: the version and eviction policy logged (anything but
// noeviction can drop the audience's keys under memory pressure), and the shared token key read
// unless one is configured. Waits for Redis as long as it takes, saying so once.
asio::awaitable<void> App::Impl::prepare_redis() {
  const std::string where = redis::Url::parse(config.redis_url)->redacted();
  asio::steady_timer pause(ioc);
  for (int attempt = 0; !stopping; ++attempt) {
    auto info = co_await redis->server_info();
    if (info) {
      spdlog::info("redis {} at {}, maxmemory-policy {}", info->second, where, info->first);
      if (info->first != "noeviction")
        spdlog::warn(
            "redis maxmemory-policy is {}, not noeviction: under memory pressure Redis "
            "evicts streampulse's keys (players, topics) instead of refusing writes "
            "(docs/redis.md)",
            info->first);
      break;
    }
    if (attempt == 0) spdlog::warn("waiting for redis at {}: {}", where, info.error().message());
    pause.expires_after(std::chrono::milliseconds(500));
    co_await pause.async_wait(asio::use_awaitable);
  }
  if (!config.token_secrets.empty()) co_return;
  for (int attempt = 0; !stopping; ++attempt) {
    auto key = co_await redis->shared_token_key(token_authority->key());
    if (key) {
      token_authority->set_keys(std::move(*key));
      spdlog::info(
          "viewer tokens: signed with the key kept in redis (STREAMPULSE_TOKEN_SECRET "
          "unset)");
      co_return;
    }
    if (attempt == 0)
      spdlog::warn("reading the shared token key from redis failed: {}", key.error().message());
    pause.expires_after(std::chrono::milliseconds(500));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

// The Redis backend's shared token key, asked for again every few seconds: a Redis that lost it
// (restarted without persistence) gets this instance's key back (SET NX), and an instance that
// finds another key there takes it, still accepting its old one, so every instance, old or
// new, signs and checks with the same key again.
asio::awaitable<void> App::Impl::keep_token_key() {
  asio::steady_timer pause(ioc);
  for (;;) {
    pause.expires_after(std::chrono::seconds(5));
    auto [ec] = co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // stopping
    const std::string mine = token_authority->key();
    auto key = co_await redis->shared_token_key(mine);
    if (key && *key != mine) {
      spdlog::info("viewer tokens: another key is shared in redis now; switching to it");
      token_authority->set_keys(std::move(*key), mine);
    }
  }
}

}  // namespace streampulse::app
