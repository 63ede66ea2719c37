// `streampulse media upload`'s upload: the files under the folder collected, PUT four at a time
// with the admin token, then the uploaded folder registered as a stream of the catalog. The
// arguments are parsed and checked in media_command.cpp.
#include "media_upload.hpp"

#include <boost/asio/io_context.hpp>

#include "streampulse/http/file_server.hpp"
#include "streampulse/media/media_store.hpp"
#include "streampulse/net/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace streampulse::cli::media_upload {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace bh = boost::beast::http;

constexpr std::size_t kInFlight = 4;

struct UploadFile {
  fs::path source;
  std::string path;  // under /media/
};

// Every character outside RFC 3986 pchar (and '/') is percent-encoded.
std::string encode_path(std::string_view path) {
  static constexpr std::string_view kKeep = "-._~!$&'()*+,;=:@/";
  std::string out;
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || kKeep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", u);
      out += hex;
    }
  }
  return out;
}

// Segments before manifests, so a player never reads a manifest naming a missing segment.
bool upload_order(const UploadFile& a, const UploadFile& b) {
  const bool a_manifest = a.path.ends_with(".m3u8");
  const bool b_manifest = b.path.ends_with(".m3u8");
  if (a_manifest != b_manifest) return b_manifest;
  return a.path < b.path;
}

// Regular files under `dir`, dotfiles and dot-folders skipped. Paths the store would refuse are
// put in `invalid`.
bool collect(const fs::path& dir, const std::string& prefix, std::vector<UploadFile>& files,
             std::vector<std::string>& invalid, std::string& error) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto& entry = *it;
    if (entry.path().filename().string().starts_with('.')) {
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(ec)) continue;
    const std::string relative = entry.path().lexically_relative(dir).generic_string();
    std::string path = prefix.empty() ? relative : prefix + "/" + relative;
    if (!media::MediaStore::valid_path(path)) {
      invalid.push_back(std::move(path));
    } else {
      files.push_back({entry.path(), std::move(path)});
    }
  }
  if (ec) {
    error = dir.string() + ": " + ec.message();
    return false;
  }
  std::sort(files.begin(), files.end(), upload_order);
  return true;
}

struct Progress {
  std::size_t next = 0;
  std::size_t created = 0, replaced = 0, failed = 0;
  std::uintmax_t bytes = 0;
};

// The "message" of a JSON error body, else the body itself (shortened).
std::string describe_failure(const net::Response& res) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(res.body, ec);
  if (!ec && doc.is_object()) {
    if (const auto* m = doc.as_object().if_contains("message"); m && m->is_string())
      return std::string(m->as_string());
  }
  return res.body.substr(0, 200);
}

asio::awaitable<void> upload_worker(net::HttpClient& client, const std::vector<UploadFile>& files,
                                    const std::string& base, const std::string& token,
                                    Progress& progress) {
  while (progress.next < files.size()) {
    const UploadFile& file = files[progress.next++];
    std::ifstream in(file.source, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.is_open() || in.bad()) {
      ++progress.failed;
      std::printf("  FAILED    %s: cannot read %s\n", file.path.c_str(), file.source.c_str());
      continue;
    }
    const std::size_t size = bytes.size();
    net::Request req;
    req.method = bh::verb::put;
    req.url = base + "/media/" + encode_path(file.path);
    req.headers.set(bh::field::authorization, "Bearer " + token);
    req.headers.set(bh::field::content_type, http::content_type_for(file.path));
    req.body = std::move(bytes);
    req.timeout = std::chrono::seconds(120);
    const auto result = co_await client.request(std::move(req));
    if (!result) {
      ++progress.failed;
      std::printf("  FAILED    %s: %s\n", file.path.c_str(), result.error().message().c_str());
    } else if (result->status == 201 || result->status == 204) {
      ++(result->status == 201 ? progress.created : progress.replaced);
      progress.bytes += size;
      std::printf("  %-9s %s (%zu bytes)\n", result->status == 201 ? "created" : "replaced",
                  file.path.c_str(), size);
    } else {
      ++progress.failed;
      std::printf("  FAILED    %s: %u %s\n", file.path.c_str(), result->status,
                  describe_failure(*result).c_str());
    }
    std::fflush(stdout);
  }
}

// The playlist a player opens: master.m3u8 at the top of the folder, else the only .m3u8 there.
std::optional<std::string> master_playlist(const std::vector<UploadFile>& files,
                                           const std::string& prefix) {
  std::vector<std::string> top;
  for (const auto& f : files) {
    const std::string_view relative = std::string_view(f.path).substr(prefix.size() + 1);
    if (relative == "master.m3u8") return f.path;
    if (relative.ends_with(".m3u8") && relative.find('/') == std::string_view::npos)
      top.push_back(f.path);
  }
  if (top.size() == 1) return top.front();
  return std::nullopt;
}

// PUT /api/streams/{id}: the uploaded folder becomes a stream of the catalog. 0 when it worked.
int register_stream(const std::string& base, const std::string& token, const core::Stream& s) {
  asio::io_context io(1);
  net::HttpClient client(io.get_executor(), {});
  int rc = 1;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        net::Request req;
        req.method = bh::verb::put;
        req.url = base + "/api/streams/" + s.id;
        req.headers.set(bh::field::authorization, "Bearer " + token);
        req.headers.set(bh::field::content_type, "application/json");
        req.body = boost::json::serialize(boost::json::object{{"name", s.name}, {"url", s.url}});
        req.timeout = std::chrono::seconds(30);
        const auto result = co_await client.request(std::move(req));
        if (!result) {
          std::printf("  FAILED    stream '%s': %s\n", s.id.c_str(),
                      result.error().message().c_str());
        } else if (result->status == 200 || result->status == 201) {
          std::printf("  %-9s stream '%s' (%s): %s\n",
                      result->status == 201 ? "created" : "replaced", s.id.c_str(), s.name.c_str(),
                      s.url.c_str());
          std::printf("play it at %s/?streamId=%s\n", base.c_str(), s.id.c_str());
          rc = 0;
        } else {
          std::printf("  FAILED    stream '%s': %u %s\n", s.id.c_str(), result->status,
                      describe_failure(*result).c_str());
        }
      },
      asio::detached);
  io.run();
  std::fflush(stdout);
  return rc;
}

}  // namespace

int upload_folder(const fs::path& dir, const std::string& prefix, const std::string& base,
                  const std::string& token, bool registers, core::Stream stream) {
  std::vector<UploadFile> files;
  std::vector<std::string> invalid;
  std::string error;
  if (!collect(dir, prefix, files, invalid, error)) return usage_error(error);
  std::printf("streampulse media upload: %zu files from %s to %s/media/%s%s\n", files.size(),
              dir.c_str(), base.c_str(), prefix.c_str(), prefix.empty() ? "" : "/");
  for (const auto& path : invalid)
    std::printf("  FAILED    %s: the path breaks the media path rules\n", path.c_str());
  std::fflush(stdout);

  asio::io_context io(1);
  net::HttpClientOptions options;
  options.max_connections_per_host = kInFlight;
  net::HttpClient client(io.get_executor(), options);
  Progress progress;
  progress.failed = invalid.size();
  for (std::size_t i = 0; i < std::min(kInFlight, files.size()); ++i)
    asio::co_spawn(io, upload_worker(client, files, base, token, progress), asio::detached);
  io.run();

  const std::size_t total = files.size() + invalid.size();
  std::printf("summary: %zu files, %zu stored (%zu created, %zu replaced, %ju bytes), %zu failed\n",
              total, progress.created + progress.replaced, progress.created, progress.replaced,
              progress.bytes, progress.failed);
  if (total == 0) std::printf("result: FAIL, nothing to upload in %s\n", dir.c_str());
  std::fflush(stdout);
  if (total == 0 || progress.failed > 0) return 1;
  if (!registers) {
    if (!prefix.empty())
      std::printf("no stream registered: --prefix '%s' is not a stream id\n", prefix.c_str());
    return 0;
  }
  const auto playlist = master_playlist(files, prefix);
  if (!playlist) {
    std::printf("no stream registered: no master.m3u8 (nor a single .m3u8) at the top of %s\n",
                dir.c_str());
    return 0;
  }
  stream.url = "/media/" + encode_path(*playlist);
  return register_stream(base, token, stream);
}

}  // namespace streampulse::cli::media_upload
