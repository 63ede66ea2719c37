// The media origin's resolver: FileServer::serve (decoded path, encoded target, Range and the
// conditional headers) over a fixture folder built once in /tmp, plus the header grammar.
// Input: "<relative path>\n<target>\n<Range>\n<If-None-Match>\n<If-Range>\n<If-Modified-Since>".
// Checks: no file outside the root and no dotfile is ever served; a sent body is as
// long as its Content-Length; accepted paths have no dot segment; parsed dates round-trip.
#include "fuzz_check.hpp"
#include "http/file_server_detail.hpp"  // private to src/http: Range, dates, entity-tags
#include "streampulse/http/file_server.hpp"

#include <boost/url/parse.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

using namespace streampulse;
namespace fs = std::filesystem;
namespace bh = boost::beast::http;
namespace detail = streampulse::http::file_server_detail;

namespace {

constexpr std::string_view kSecret = "SECRET-BYTES";

void write(const fs::path& p, std::string_view bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// root/: ok.txt, sub/a.m3u8, .hidden (secret), links out of the root and to the dotfile;
// outside/secret.txt beside it.
std::unique_ptr<http::FileServer> make_server() {
  std::string dir = (fs::temp_directory_path() / "streampulse-fuzz-XXXXXX").string();
  if (!::mkdtemp(dir.data())) std::abort();
  static const fs::path base(dir);
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(base, ec);
  });
  const fs::path root = base / "root";
  fs::create_directories(root / "sub");
  fs::create_directories(base / "outside");
  write(root / "ok.txt", "hello media");
  write(root / "sub" / "a.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n");
  write(root / ".hidden", kSecret);
  write(base / "outside" / "secret.txt", kSecret);
  fs::create_directory_symlink("../outside", root / "out");
  fs::create_symlink("../outside/secret.txt", root / "sub" / "escape.ts");
  fs::create_symlink(".hidden", root / "visible.txt");
  fs::create_symlink("ok.txt", root / "alias.txt");

  http::FileServerOptions o;
  o.root = root.string();
  o.cors = true;
  o.hls_cache_policy = true;
  auto bytes = std::make_shared<const std::string>("0123456789");
  o.memory = [bytes](std::string_view path) -> std::optional<http::MemoryEntity> {
    if (path != "mem/seg.ts") return std::nullopt;
    return http::MemoryEntity{bytes, "video/mp2t", "\"m-1\"", std::chrono::sys_seconds{}};
  };
  return std::make_unique<http::FileServer>(std::move(o));
}

std::string serialize(http::Response& res) {
  std::string out;
  auto& gen = res.generator();
  boost::beast::error_code ec;
  while (!gen.is_done()) {
    const auto buffers = gen.prepare(ec);
    if (ec) break;
    std::size_t n = 0;
    for (const auto& b : buffers) {
      out.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    gen.consume(n);
  }
  return out;
}

void check_header_grammar(const std::vector<std::string_view>& f) {
  for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{11}}) {
    const auto r = detail::parse_range(f[2], size);
    if (r.kind == detail::RangeRequest::Kind::satisfiable)
      FUZZ_CHECK(r.range.first <= r.range.last && r.range.last < size);
  }
  for (auto text : {f[4], f[5]}) {
    if (const auto t = detail::parse_http_date(text)) {
      const auto again = detail::parse_http_date(detail::format_http_date(*t));
      FUZZ_CHECK(again && *again == *t);
    }
  }
  (void)detail::if_none_match_matches(f[3], "\"abc\"");
  if (http::plain_relative_path(f[0])) {
    FUZZ_CHECK(!f[0].starts_with('/') && f[0].find("/.") == std::string_view::npos);
    FUZZ_CHECK(!f[0].starts_with('.') && f[0].find('\\') == std::string_view::npos);
  }
  FUZZ_CHECK(!http::content_type_for(f[0]).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto server = make_server();
  const auto f = fuzz::split_fields(fuzz::as_view(data, size), 6);
  check_header_grammar(f);

  auto target = boost::urls::parse_origin_form(f[1]);
  if (!target) target = boost::urls::parse_origin_form("/media/ok.txt");
  http::Request req{f[1].size() % 2 ? bh::verb::head : bh::verb::get, "/media/", 11};
  const std::pair<bh::field, std::string_view> headers[] = {{bh::field::range, f[2]},
                                                            {bh::field::if_none_match, f[3]},
                                                            {bh::field::if_range, f[4]},
                                                            {bh::field::if_modified_since, f[5]}};
  for (const auto& [name, value] : headers) {
    if (!value.empty()) req.set(name, value);
  }
  auto res = server->serve(req, f[0], *target);
  const std::string wire = serialize(res);
  const auto end = wire.find("\r\n\r\n");
  FUZZ_CHECK(end != std::string::npos);
  // Only a served body counts: a 404 may quote the requested path, which the input chose.
  if (res.status() == 200 || res.status() == 206)
    FUZZ_CHECK(wire.find(kSecret, end) == std::string::npos);

  const auto cl = wire.find("Content-Length: ");
  if (req.method() == bh::verb::get && res.status() != 304 && cl != std::string::npos && cl < end)
    FUZZ_CHECK(std::stoull(wire.substr(cl + 16)) == wire.size() - end - 4);
  return 0;
}
