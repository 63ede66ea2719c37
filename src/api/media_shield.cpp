#include "media_shield.hpp"

#include "streampulse/media/media_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace streampulse::api {

namespace asio = boost::asio;
using store::result;

std::string media_key(std::string_view path) { return "media/" + std::string(path); }

namespace {

bool is_manifest(std::string_view path) { return path.ends_with(".m3u8"); }

}  // namespace

asio::awaitable<result<void>> MediaShield::ensure(const std::string& path) {
  const auto* cached = s_.media_store->find(path);
  const bool fresh = cached && (!is_manifest(path) ||
                                s_.clock.now_ms() - cached->stored_at_ms <= kManifestFreshMs);
  if (fresh) co_return result<void>{};
  if (auto it = in_flight_.find(path); it != in_flight_.end()) {
    // Someone is fetching it already: wait for that (bounded by the call budget), then use
    // whatever it left in the cache.
    auto done = it->second;
    co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
    co_return result<void>{};
  }
  auto done = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                   std::chrono::steady_clock::time_point::max());
  in_flight_.emplace(path, done);
  auto fetched = co_await fetch(path);
  in_flight_.erase(path);
  done->cancel();
  co_return fetched;
}

asio::awaitable<result<void>> MediaShield::fetch(const std::string& path) {
  auto object = co_await s_.media_origin->object_get(media_key(path));
  if (object.has_error()) {
    // Serve a stale manifest rather than nothing while Momento is unreachable.
    if (s_.media_store->find(path)) co_return result<void>{};
    co_return object.error();
  }
  if (!*object) {
    s_.media_store->erase(path);  // gone from Momento (expired or deleted): gone here too
    co_return result<void>{};
  }
  const auto outcome = s_.media_store->put(path, std::move(**object));
  if (outcome == media::MediaPutOutcome::too_large)
    spdlog::warn("media {} is larger than the cache's object limit; not cached", path);
  co_return result<void>{};
}

}  // namespace streampulse::api
