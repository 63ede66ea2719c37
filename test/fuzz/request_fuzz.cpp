// The whole request path: the bytes a client sends on one connection, through a real session
// (Beast's parser, the framing and target rules, the router, the session's limits and its
// boundary) to real handlers: the file server for /static/ and /media/ (folder and in-memory
// objects, as api/pages.cpp sets them up), and a probe route that checks what a handler is
// given. The connection is one end of a socketpair; the input is written and the sending side
// closed, so no deadline is ever waited for.
// Checks: the session ends, without an exception, and leaves its registry; the answers parse
// as HTTP, one per request at most; nothing follows a refusal (400, 413, 431); a 500 only when
// a guard threw; a handler never sees a control character, a "."/".." segment, or a rest that
// is not the end of its decoded path.
#include "fuzz_check.hpp"
#include "http/session.hpp"  // private to src/http: run_session
#include "streampulse/http/file_server.hpp"
#include "streampulse/http/response.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace streampulse;
namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace fs = std::filesystem;

namespace {

void check_handler_view(const http::RequestContext& ctx, std::string_view prefix) {
  FUZZ_CHECK(ctx.path.starts_with('/'));
  FUZZ_CHECK(std::none_of(ctx.path.begin(), ctx.path.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  }));
  FUZZ_CHECK(ctx.path.find("/../") == std::string::npos && !ctx.path.ends_with("/.."));
  FUZZ_CHECK(ctx.path.find("/./") == std::string::npos && !ctx.path.ends_with("/."));
  if (!prefix.empty()) FUZZ_CHECK(ctx.path == std::string(prefix) + std::string(ctx.rest));
}

http::Handler files(std::shared_ptr<const http::FileServer> server, std::string prefix) {
  return [server, prefix](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    check_handler_view(ctx, prefix);
    co_return server->serve(ctx.request, ctx.rest, ctx.target);
  };
}

struct World {
  http::Router router;
  http::ServerSettings settings;
};

World& world() {
  static World* w = [] {
    spdlog::set_level(spdlog::level::off);  // a log line per request would be most of the time
    std::string dir = (fs::temp_directory_path() / "streampulse-reqfuzz-XXXXXX").string();
    if (!::mkdtemp(dir.data())) std::abort();
    fs::create_directories(fs::path(dir) / "static");
    fs::create_directories(fs::path(dir) / "media" / "sub");
    std::ofstream(fs::path(dir) / "static" / "player.css") << "body{}";
    std::ofstream(fs::path(dir) / "media" / "a b.ts") << "segment";
    std::ofstream(fs::path(dir) / "media" / "sub" / "evil.svg") << "<svg/>";
    auto* out = new World;
    http::FileServerOptions pages;
    pages.root = dir + "/static";
    http::FileServerOptions media;
    media.root = dir + "/media";
    media.cors = media.hls_cache_policy = media.confine_active_content = true;
    auto object = std::make_shared<const std::string>("<script>1</script>");
    media.memory = [object](std::string_view path) -> std::optional<http::MemoryEntity> {
      if (path != "up/x.html") return std::nullopt;
      return http::MemoryEntity{object, "text/html; charset=utf-8", "\"1\"", {}};
    };
    auto page_server = std::make_shared<const http::FileServer>(pages);
    auto media_server = std::make_shared<const http::FileServer>(media);
    http::Guard guard = [](const http::Request::header_type& h) -> std::optional<http::Response> {
      if (h.count("X-Throw")) throw std::runtime_error("guard");
      if (!h.count("X-Refuse")) return std::nullopt;
      http::Request probe;
      probe.keep_alive(false);
      return http::error_response(probe, bh::status::unauthorized, "unauthorized", "no");
    };
    const auto probe = [](std::string prefix) -> http::Handler {
      return [prefix](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        check_handler_view(ctx, prefix);
        co_return http::json_response(ctx.request, bh::status::ok,
                                      {{"path", ctx.path}, {"bytes", ctx.request.body().size()}});
      };
    };
    for (auto v : {bh::verb::get, bh::verb::head}) {
      out->router.add_prefix(v, "/static/", files(page_server, "/static/"), 0, {},
                             http::Affinity::any);
      out->router.add_prefix(v, "/media/", files(media_server, "/media/"), 0, {},
                             http::Affinity::any);
    }
    for (auto v : {bh::verb::get, bh::verb::post}) {
      out->router.add(v, "/probe", probe(""), 1024, guard);
      out->router.add_prefix(v, "/probe/", probe("/probe/"), 1024, guard);
    }
    return out;
  }();
  return *w;
}

// The methods of the requests in `in`, as the server's parser reads them, in order.
std::vector<bh::verb> request_methods(std::string_view in) {
  std::vector<bh::verb> out;
  boost::beast::error_code ec;
  while (!in.empty() && out.size() < 64) {
    bh::request_parser<bh::string_body> p;
    p.header_limit(8 * 1024);
    p.body_limit(1024 * 1024);  // above every route's limit; a huge Content-Length stops here
    p.eager(true);
    const auto used = p.put(asio::buffer(in.data(), in.size()), ec);
    // A request refused on its header is answered even when its body would not parse.
    if (!p.is_header_done()) break;
    out.push_back(p.get().method());
    if (ec || !p.is_done()) break;
    in.remove_prefix(used);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& w = world();
  const auto input = fuzz::as_view(data, size);
  asio::io_context ioc;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
  asio::ip::tcp::socket server_end(ioc);
  server_end.assign(asio::ip::tcp::v4(), fds[0]);
  asio::local::stream_protocol::socket client(ioc);
  client.assign(asio::local::stream_protocol(), fds[1]);

  async::TaskGroup group(ioc.get_executor());  // the session joins it while it runs
  bool ended = false;
  asio::co_spawn(ioc,
                 http::run_session(std::move(server_end), w.settings, w.router, group,
                                   http::SessionPlace{ioc.get_executor(), true}, nullptr),
                 [&](std::exception_ptr e) {
                   FUZZ_CHECK(!e);  // nothing escapes a session
                   ended = true;
                 });
  std::string answer;
  asio::async_write(client, asio::buffer(input), [&](boost::system::error_code, std::size_t) {
    boost::system::error_code ec;
    client.shutdown(asio::socket_base::shutdown_send, ec);
  });
  asio::async_read(client, asio::dynamic_buffer(answer),
                   [](boost::system::error_code, std::size_t) {});
  ioc.run();
  FUZZ_CHECK(ended);
  FUZZ_CHECK(group.size() == 0);  // the session left the group

  std::string lower(input);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  const bool may_fail = lower.find("x-throw") != std::string::npos;
  const auto methods = request_methods(input);
  std::string_view rest(answer);
  for (std::size_t i = 0; !rest.empty(); ++i) {
    FUZZ_CHECK(i <= methods.size());  // one answer per request (or one refusal of garbage)
    bh::response_parser<bh::string_body> p;
    p.body_limit(boost::none);
    p.eager(true);
    p.skip(i < methods.size() && methods[i] == bh::verb::head);
    boost::beast::error_code ec;
    const auto used = p.put(asio::buffer(rest.data(), rest.size()), ec);
    if (!ec && !p.is_done()) p.put_eof(ec);  // a body delimited by the close
    FUZZ_CHECK(!ec && p.is_done());
    const unsigned status = p.get().result_int();
    FUZZ_CHECK(status >= 200 && status < 600);
    FUZZ_CHECK(status != 500 || may_fail);
    rest.remove_prefix(std::min(used, rest.size()));
    if (status == 400 || status == 413 || status == 431) FUZZ_CHECK(rest.empty());
  }
  return 0;
}
