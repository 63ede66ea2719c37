// The pages (/, /dashboard), their assets (/static/...) and the HLS media origin (/media/...):
// uploaded objects first, then the media folder.
#include "media_shield.hpp"
#include "streampulse/api/handlers.hpp"
#include "streampulse/api/request_helpers.hpp"
#include "streampulse/http/file_server.hpp"
#include "streampulse/media/media_store.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>

namespace streampulse::api {

using boost::asio::awaitable;

namespace {

http::Handler serve_file(std::shared_ptr<const http::FileServer> files, std::string file) {
  return [files, file](http::RequestContext& ctx) -> awaitable<http::Response> {
    co_return files->serve(ctx.request, file, ctx.target);
  };
}

http::Handler serve_rest(std::shared_ptr<const http::FileServer> files) {
  return [files](http::RequestContext& ctx) -> awaitable<http::Response> {
    co_return files->serve(ctx.request, ctx.rest, ctx.target);
  };
}

// /media/ on Momento: the shield first (unless the media folder has the file), then the files.
http::Handler serve_media_shielded(service::Services& s,
                                   std::shared_ptr<const http::FileServer> files) {
  auto shield = std::make_shared<MediaShield>(s);
  return [&s, files, shield](http::RequestContext& ctx) -> awaitable<http::Response> {
    const std::string path(ctx.rest);
    std::error_code ec;
    const bool on_disk = std::filesystem::is_regular_file(
        std::filesystem::path(s.media_dir) / std::filesystem::path(path), ec);
    if (!on_disk && media::MediaStore::valid_path(path) &&
        !http::has_encoded_separator(ctx.target.encoded_path())) {
      auto ensured = co_await shield->ensure(path);
      if (ensured.has_error()) co_return store_error_response(ctx.request, ensured.error());
    }
    co_return files->serve(ctx.request, ctx.rest, ctx.target);
  };
}

}  // namespace

void add_page_routes(http::Router& router, service::Services& s) {
  using boost::beast::http::verb;
  // Pages revalidate every minute (ETag makes that cheap); a deploy shows up quickly.
  http::FileServerOptions page_options;
  page_options.root = s.static_dir;
  page_options.max_age_default = std::chrono::seconds(60);
  auto pages = std::make_shared<const http::FileServer>(std::move(page_options));
  // Files are served on the connection's thread (the file server and the media store lock
  // what they share); the shield and uploads run on the state loop.
  constexpr auto kAnyThread = http::Affinity::any;
  for (verb v : {verb::get, verb::head}) {
    router.add(v, "/", serve_file(pages, "player.html"), 0, {}, kAnyThread);
    router.add(v, "/dashboard", serve_file(pages, "dashboard.html"), 0, {}, kAnyThread);
    router.add(v, "/favicon.ico", serve_file(pages, "favicon.svg"), 0, {}, kAnyThread);
    // The OpenAPI 3.1 description of every route (checked by test/openapi and the tests).
    router.add(v, "/openapi.json", serve_file(pages, "openapi.json"), 0, {}, kAnyThread);
    router.add_prefix(v, "/static/", serve_rest(pages), 0, {}, kAnyThread);
  }

  http::FileServerOptions media_options;
  media_options.root = s.media_dir;
  media_options.max_age_default = std::chrono::seconds(300);
  media_options.cors = true;
  media_options.hls_cache_policy = true;
  media_options.confine_active_content = true;  // the admin token lives on this origin
  if (const media::MediaStore* store = s.media_store) {
    media_options.memory = [store](std::string_view path) -> std::optional<http::MemoryEntity> {
      auto object = store->find_shared(path);
      if (!object) return std::nullopt;
      return http::MemoryEntity{std::move(object->bytes), std::move(object->content_type),
                                std::move(object->etag), object->last_modified};
    };
  }
  auto media = std::make_shared<const http::FileServer>(std::move(media_options));
  for (verb v : {verb::get, verb::head}) {
    if (s.media_origin && s.media_store) {
      router.add_prefix(v, "/media/", serve_media_shielded(s, media));
    } else {
      router.add_prefix(v, "/media/", serve_rest(media), 0, {}, kAnyThread);
    }
  }
  if (s.media_store) {
    // Larger bodies are refused with 413 before they are read. A body limit of 0 would mean
    // "the server's default", hence at least 1.
    const std::size_t limit = std::max<std::size_t>(s.media_store->limits().max_object_bytes, 1);
    router.add_prefix(verb::put, "/media/", media_upload_handler(s), limit,
                      admin_guard(s.config.admin_token));
  }
}

}  // namespace streampulse::api
