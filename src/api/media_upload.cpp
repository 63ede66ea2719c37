// PUT /media/{path}: an HLS manifest or segment into the embedded media store (admin only).
// 201 when new, 204 when it replaced an object; the answer carries the object's ETag.
#include "media_shield.hpp"
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/file_server.hpp"
#include "streampulse/http/response.hpp"
#include "streampulse/media/media_store.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace streampulse::api {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

namespace {

http::Response stored_response(const http::Request& req, bool created, std::string_view path,
                               const media::MediaObject& object) {
  if (!created) {
    bh::response<bh::empty_body> res{bh::status::no_content, req.version()};
    res.keep_alive(req.keep_alive());
    res.set(bh::field::etag, object.etag);
    res.prepare_payload();
    return res;
  }
  bh::response<bh::string_body> res{bh::status::created, req.version()};
  res.keep_alive(req.keep_alive());
  res.set(bh::field::etag, object.etag);
  res.set(bh::field::location, "/media/" + std::string(path));
  res.set(bh::field::content_type, "application/json");
  res.set(bh::field::cache_control, "no-store");
  const boost::json::object body{{"path", path},
                                 {"bytes", object.bytes->size()},
                                 {"contentType", object.content_type},
                                 {"etag", object.etag}};
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

}  // namespace

http::Handler media_upload_handler(service::Services& s) {
  return [&s](http::RequestContext& ctx) -> awaitable<http::Response> {
    auto& req = ctx.request;
    // The admin token was checked on the headers by the route's guard (api::admin_guard).
    if (!s.media_store) {
      co_return http::error_response(req, bh::status::service_unavailable, "uploads_disabled",
                                     "this backend keeps no media objects");
    }
    const std::string path(ctx.rest);
    if (http::has_encoded_separator(ctx.target.encoded_path()) ||
        !media::MediaStore::valid_path(path)) {
      co_return http::error_response(
          req, bh::status::bad_request, "bad_path",
          "the path must be plain segments (no empty, '.'-prefixed or encoded-separator "
          "segments, no backslash), at most 512 characters");
    }
    const auto& limits = s.media_store->limits();
    if (s.media_origin) {
      // Momento first: it is where every instance finds the object; the local copy is a cache.
      // Momento's item limit is 5 MB: say so here rather than relay its refusal.
      constexpr std::size_t kMomentoItemBytes = 5 * 1000 * 1000;
      const std::size_t max_bytes = std::min(limits.max_object_bytes, kMomentoItemBytes);
      if (req.body().size() > max_bytes) {
        co_return http::error_response(req, bh::status::payload_too_large, "payload_too_large",
                                       "a media object may hold at most " +
                                           std::to_string(max_bytes) +
                                           " bytes on the Momento backend (Momento's item limit)");
      }
      std::string copy = req.body();
      auto stored = co_await s.media_origin->object_put(media_key(path), std::move(copy),
                                                        std::chrono::seconds(s.config.media_ttl_s));
      if (stored.has_error()) co_return store_error_response(req, stored.error());
    }
    const bool existed = s.media_store->find(path) != nullptr;
    auto outcome = s.media_store->put(path, std::move(req.body()));
    if (s.media_origin && outcome != media::MediaPutOutcome::bad_path &&
        outcome != media::MediaPutOutcome::too_large) {
      // In Momento now; "created" as far as this instance knows.
      outcome = existed ? media::MediaPutOutcome::replaced : media::MediaPutOutcome::created;
    }
    switch (outcome) {
      case media::MediaPutOutcome::created:
      case media::MediaPutOutcome::replaced:
        co_return stored_response(req, outcome == media::MediaPutOutcome::created, path,
                                  *s.media_store->find(path));
      case media::MediaPutOutcome::too_large:
        co_return http::error_response(req, bh::status::payload_too_large, "payload_too_large",
                                       "a media object may hold at most " +
                                           std::to_string(limits.max_object_bytes) + " bytes");
      case media::MediaPutOutcome::store_full:
        co_return http::error_response(
            req, bh::status::insufficient_storage, "store_full",
            "the media store holds " + std::to_string(s.media_store->total_bytes()) + " of " +
                std::to_string(limits.max_total_bytes) +
                " bytes (STREAMPULSE_MEDIA_STORE_MB); this object does not fit");
      case media::MediaPutOutcome::bad_path:
        break;
    }
    co_return http::error_response(req, bh::status::bad_request, "bad_path",
                                   "the path breaks the media path rules");
  };
}

}  // namespace streampulse::api
