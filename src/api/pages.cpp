// The pages (/, /dashboard), their assets (/static/...) and the HLS media origin (/media/...).
#include "streampulse/api/handlers.hpp"
#include "streampulse/http/file_server.hpp"

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

}  // namespace

void add_page_routes(http::Router& router, app::Services& s) {
  using boost::beast::http::verb;
  // Pages revalidate every minute (ETag makes that cheap); a deploy shows up quickly.
  auto pages = std::make_shared<const http::FileServer>(
      http::FileServerOptions{s.static_dir, std::chrono::seconds(60), false, false});
  for (verb v : {verb::get, verb::head}) {
    router.add(v, "/", serve_file(pages, "player.html"));
    router.add(v, "/dashboard", serve_file(pages, "dashboard.html"));
    router.add(v, "/favicon.ico", serve_file(pages, "favicon.svg"));
    router.add_prefix(v, "/static/", serve_rest(pages));
  }
  auto media = std::make_shared<const http::FileServer>(
      http::FileServerOptions{s.media_dir, std::chrono::seconds(300), true, true});
  for (verb v : {verb::get, verb::head}) router.add_prefix(v, "/media/", serve_rest(media));
}

}  // namespace streampulse::api
