#pragma once
// Static files from one folder: the web pages and their assets, and the HLS media origin.
// GET and HEAD only (the router answers 405 for the rest), with byte ranges, conditional
// requests and no way out of the root (no "..", no symlink escape, no dotfiles, no listings).
#include "streampulse/http/types.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace streampulse::http {

// Bytes held in memory and served like a file (the media origin's object store): the same
// headers, conditional requests and ranges.
struct MemoryEntity {
  std::shared_ptr<const std::string> bytes;  // shared: a response in flight keeps them alive
  std::string content_type;
  std::string etag;  // strong, quoted
  std::chrono::sys_seconds last_modified;
};

// Finds the entity for a decoded relative path (already checked by plain_relative_path), or
// nullopt to fall back to the folder.
using MemoryLookup = std::function<std::optional<MemoryEntity>(std::string_view relative_path)>;

struct FileServerOptions {
  std::string root;                           // folder served
  std::chrono::seconds max_age_default{300};  // Cache-Control max-age; 0 gives "no-cache"
  // Access-Control-Allow-Origin: * and exposed Content-Length/Content-Range/Accept-Ranges, so
  // players on other origins can fetch media (meant for /media/ only).
  bool cors = false;
  // Manifests (.m3u8) get max-age=2 (live playlists change every segment); segments (.ts, .m4s,
  // .mp4, .aac...) get max-age=86400, not immutable, since a VOD may be re-encoded in place.
  bool hls_cache_policy = false;
  // Everything but playlists, segments and raster images (HTML, SVG, scripts, unknown types) is
  // sent with Content-Disposition: attachment and Content-Security-Policy: sandbox, so an
  // uploaded or planted file cannot run script on the service's origin (meant for /media/).
  bool confine_active_content = false;
  // Consulted before the folder when set.
  MemoryLookup memory;
  // Files up to cache_max_object_bytes stay in memory once read, cache_bytes in all (0: no
  // cache); an entry is checked against the file again after cache_revalidate.
  std::size_t cache_bytes = 64 * 1024 * 1024;
  std::size_t cache_max_object_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds cache_revalidate{1000};
};

class FileCache;

class FileServer {
 public:
  explicit FileServer(FileServerOptions options);
  ~FileServer();

  // Serves `relative_path` (the decoded path under the root, e.g. "sample/master.m3u8") for GET
  // or HEAD. `target` is the original request target: encoded separators (%2F, %5C) in its path
  // are refused with 400. Never throws for I/O problems: they become 404 or 500 answers.
  Response serve(const Request& req, std::string_view relative_path,
                 const boost::urls::url_view& target) const;

  const FileServerOptions& options() const { return options_; }

 private:
  Response serve_entity(const Request& req, const MemoryEntity& entity) const;

  FileServerOptions options_;
  std::filesystem::path root_;  // canonical form of options_.root
  // Serving fills it, from any connection thread (it locks itself).
  std::unique_ptr<FileCache> cache_;
};

// The Content-Type for a file name, by extension (case-insensitive);
// application/octet-stream when unknown.
std::string_view content_type_for(std::string_view path);

// The rules a decoded relative path must follow: plain segments, none empty (no leading,
// trailing or doubled '/'), none starting with '.' (no "..", no dotfiles), no control characters
// (NUL, CR, LF...), no backslash.
bool plain_relative_path(std::string_view path);

// True when an encoded request path carries %2F or %5C (separators the router never saw).
bool has_encoded_separator(std::string_view encoded_path);

}  // namespace streampulse::http
