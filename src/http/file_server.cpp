// The file server: a request for a path under the root (or an entity in memory) answered with
// 200, 206, 304, 404 or 416, through the cache of small files.
#include "streampulse/http/file_server.hpp"

#include "file_cache.hpp"
#include "file_server_detail.hpp"
#include "streampulse/http/response.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/http/empty_body.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace streampulse::http {

namespace fs = std::filesystem;
namespace beast = boost::beast;
using namespace file_server_detail;

namespace {

bool is_segment(std::string_view type) {
  return type.starts_with("video/") || type.starts_with("audio/") || type == "text/vtt";
}

// Types a browser never runs as a document on our origin: playlists, segments, raster images.
// Anything else (HTML, SVG, XML, JavaScript, unknown) could script the dashboard's origin.
bool passive_media(std::string_view type) {
  return type == "application/vnd.apple.mpegurl" || is_segment(type) || type == "image/png" ||
         type == "image/jpeg" || type == "image/gif" || type == "image/webp" ||
         type == "image/x-icon";
}

// What the headers, conditionals and ranges need to know about the thing served, whether a
// file or bytes in memory.
struct Representation {
  std::uint64_t size = 0;
  std::string_view etag;
  std::chrono::sys_seconds last_modified;
  std::string_view content_type;
};

std::string cache_control_for(const FileServerOptions& options, std::string_view type) {
  if (options.hls_cache_policy && type == "application/vnd.apple.mpegurl")
    return "public, max-age=2";
  if (options.hls_cache_policy && is_segment(type)) return "public, max-age=86400";
  if (options.max_age_default.count() <= 0) return "no-cache";
  return "public, max-age=" + std::to_string(options.max_age_default.count());
}

// The answer for a GET or HEAD of `rep`: 304, 200 (HEAD without a body), 206 or 416. `attach`
// gives the Body's value its source; the offset and length are set here.
template <class Body, class Attach>
Response respond(const Request& req, const FileServerOptions& options, const Representation& rep,
                 Attach&& attach) {
  const std::string cache_control = cache_control_for(options, rep.content_type);
  // The headers every answer about the representation carries (304 included, RFC 9110 §15.4.5).
  const auto describe = [&](auto& res, bool with_type) {
    res.keep_alive(req.keep_alive());
    res.set(beast_http::field::accept_ranges, "bytes");
    res.set(beast_http::field::etag, rep.etag);
    res.set(beast_http::field::last_modified, format_http_date(rep.last_modified));
    res.set(beast_http::field::cache_control, cache_control);
    res.set("X-Content-Type-Options", "nosniff");
    if (with_type) res.set(beast_http::field::content_type, rep.content_type);
    if (options.confine_active_content && !passive_media(rep.content_type)) {
      res.set(beast_http::field::content_disposition, "attachment");
      res.set("Content-Security-Policy", "sandbox; default-src 'none'");
    }
    if (options.cors) {
      res.set(beast_http::field::access_control_allow_origin, "*");
      res.set(beast_http::field::access_control_expose_headers,
              "Content-Length, Content-Range, Accept-Ranges, ETag");
    }
  };

  // Conditionals in RFC 9110 §13.2.2 order; If-Modified-Since only counts without If-None-Match.
  bool not_modified = false;
  if (const auto inm = req.find(beast_http::field::if_none_match); inm != req.end()) {
    not_modified = if_none_match_matches(inm->value(), rep.etag);
  } else if (const auto ims = req.find(beast_http::field::if_modified_since); ims != req.end()) {
    const auto since = parse_http_date(ims->value());
    not_modified = since && rep.last_modified <= *since;
  }
  if (not_modified) {
    beast_http::response<beast_http::empty_body> res{beast_http::status::not_modified,
                                                     req.version()};
    describe(res, false);
    return res;
  }

  if (req.method() == beast_http::verb::head) {  // ranges are defined for GET only (§14.2)
    beast_http::response<beast_http::empty_body> res{beast_http::status::ok, req.version()};
    describe(res, true);
    res.content_length(rep.size);  // the GET length, not the empty body's
    return res;
  }

  RangeRequest range;
  const auto range_field = req.find(beast_http::field::range);
  const auto if_range = req.find(beast_http::field::if_range);
  if (range_field != req.end() &&
      (if_range == req.end() || if_range_matches(if_range->value(), rep.etag, rep.last_modified))) {
    range = parse_range(range_field->value(), rep.size);
  }
  const auto size_text = std::to_string(rep.size);
  if (range.kind == RangeRequest::Kind::unsatisfiable) {
    beast_http::response<beast_http::string_body> res{beast_http::status::range_not_satisfiable,
                                                      req.version()};
    describe(res, false);
    res.set(beast_http::field::cache_control, "no-store");
    res.set(beast_http::field::content_type, "application/json");
    res.set(beast_http::field::content_range, "bytes */" + size_text);
    res.body() = R"({"error":"range_not_satisfiable","message":"the range is past the end)"
                 R"( of the file"})";
    res.prepare_payload();
    return res;
  }

  beast_http::response<Body> res{beast_http::status::ok, req.version()};
  describe(res, true);
  res.body().length = rep.size;
  if (range.kind == RangeRequest::Kind::satisfiable) {
    res.result(beast_http::status::partial_content);
    res.set(beast_http::field::content_range, "bytes " + std::to_string(range.range.first) + "-" +
                                                  std::to_string(range.range.last) + "/" +
                                                  size_text);
    res.body().offset = range.range.first;
    res.body().length = range.range.last - range.range.first + 1;
  }
  attach(res.body());
  res.prepare_payload();
  return res;
}

}  // namespace

bool plain_relative_path(std::string_view p) {
  const auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  if (p.empty() || std::any_of(p.begin(), p.end(), control) ||
      p.find('\\') != std::string_view::npos) {
    return false;
  }
  while (true) {
    const auto slash = p.find('/');
    const auto segment = p.substr(0, slash);
    if (segment.empty() || segment.front() == '.') return false;
    if (slash == std::string_view::npos) return true;
    p.remove_prefix(slash + 1);
  }
}

// %2F and %5C decode to separators the router never saw: refuse rather than guess.
bool has_encoded_separator(std::string_view encoded_path) {
  for (auto pos = encoded_path.find('%'); pos != std::string_view::npos;
       pos = encoded_path.find('%', pos + 1)) {
    const auto code = encoded_path.substr(pos + 1, 2);
    if (code == "2F" || code == "2f" || code == "5C" || code == "5c") return true;
  }
  return false;
}

FileServer::FileServer(FileServerOptions options)
    : options_(std::move(options)),
      cache_(std::make_unique<FileCache>(
          options_.cache_bytes, std::min(options_.cache_max_object_bytes, options_.cache_bytes),
          options_.cache_revalidate)) {
  if (options_.root.empty()) throw std::invalid_argument("FileServer: empty root");
  std::error_code ec;
  const auto absolute = fs::absolute(options_.root);
  root_ = fs::weakly_canonical(absolute, ec);
  if (ec) root_ = absolute.lexically_normal();
  // "media/" would keep an empty last component that no file path below it can match.
  if (!root_.has_filename()) root_ = root_.parent_path();
  if (!fs::is_directory(root_, ec)) {
    spdlog::warn("file server root {} is not a directory (yet): everything under it is 404",
                 root_.string());
  }
}

FileServer::~FileServer() = default;

Response FileServer::serve_entity(const Request& req, const MemoryEntity& entity) const {
  const Representation rep{entity.bytes->size(), entity.etag, entity.last_modified,
                           entity.content_type};
  return respond<StringSpanBody>(
      req, options_, rep, [&](StringSpanBody::value_type& body) { body.bytes = entity.bytes; });
}

Response FileServer::serve(const Request& req, std::string_view relative_path,
                           const boost::urls::url_view& target) const {
  const auto method = req.method();
  if (method != beast_http::verb::get && method != beast_http::verb::head) {
    beast_http::response<beast_http::empty_body> res{beast_http::status::method_not_allowed,
                                                     req.version()};
    res.set(beast_http::field::allow, "GET, HEAD");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }
  if (has_encoded_separator(target.encoded_path())) {
    return error_response(req, beast_http::status::bad_request, "bad_path",
                          "encoded '/' or '\\' in the path");
  }
  const auto not_found = [&] {
    return error_response(req, beast_http::status::not_found, "not_found",
                          "no such file: " + std::string(relative_path));
  };
  if (!plain_relative_path(relative_path)) return not_found();

  if (options_.memory) {
    if (auto entity = options_.memory(relative_path); entity && entity->bytes)
      return serve_entity(req, *entity);
  }
  const auto now = FileCache::Clock::now();
  if (const auto hit = cache_->fresh(relative_path, now)) return serve_entity(req, *hit);

  std::optional<OpenFile> file;
  try {
    std::error_code ec;
    const auto canonical = fs::canonical(root_ / fs::path(relative_path), ec);
    if (ec || !inside_root(root_, canonical)) return not_found();
    file = open_regular_file(canonical);
    if (!file) return not_found();
  } catch (const std::exception& e) {
    spdlog::error("file server: {}: {}", std::string(relative_path), e.what());
    return error_response(req, beast_http::status::internal_server_error, "internal",
                          "the server failed to read the file");
  }
  if (const auto same = cache_->revalidate(relative_path, file->etag, now))
    return serve_entity(req, *same);
  if (cache_->wants(file->size)) {
    if (auto bytes = read_whole(file->file, file->size)) {
      MemoryEntity entity{std::make_shared<const std::string>(std::move(*bytes)),
                          std::string(content_type_for(relative_path)), file->etag,
                          file->last_modified};
      return serve_entity(req, *cache_->store(relative_path, std::move(entity), now));
    }
  }
  const Representation rep{file->size, file->etag, file->last_modified,
                           content_type_for(relative_path)};
  return respond<FileSpanBody>(req, options_, rep, [&](FileSpanBody::value_type& body) {
    body.file = std::move(file->file);
  });
}

}  // namespace streampulse::http
