#pragma once
// The origin shield of /media/ on the Momento backend: a GET that misses the local cache (and
// the media folder) fetches the object from Momento once, however many viewers ask for it at
// the same moment, and keeps it in the bounded cache. Manifests are refetched once they are
// older than kManifestFreshMs (a live playlist grows); segments never change.
#include "streampulse/service/services.hpp"

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <string>

namespace streampulse::api {

class MediaShield {
 public:
  static constexpr core::EpochMs kManifestFreshMs = 2000;

  explicit MediaShield(service::Services& s) : s_(s) {}

  // Makes `path` present and fresh in s.media_store when Momento has it. An error only when
  // Momento failed and no copy, not even a stale one, is there to serve.
  boost::asio::awaitable<store::result<void>> ensure(const std::string& path);

 private:
  boost::asio::awaitable<store::result<void>> fetch(const std::string& path);

  service::Services& s_;
  // Fetches in flight: followers wait on the leader's timer (cancelled when it is done).
  std::map<std::string, std::shared_ptr<boost::asio::steady_timer>, std::less<>> in_flight_;
};

// "media/<path>": the cache key of a media object.
std::string media_key(std::string_view path);

}  // namespace streampulse::api
