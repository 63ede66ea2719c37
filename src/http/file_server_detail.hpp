#pragma once
// Private pieces of the file server: opening files under the root, the byte-range bodies (file
// and memory), Range parsing, HTTP dates and entity-tag matching.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file_posix.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace streampulse::http::file_server_detail {

// A Beast body that sends `length` bytes of an open file from `offset`, read in chunks of up to
// 64 KiB while the message is written (beast's file_body has no ranges and reads 4 KiB at a time).
struct FileSpanBody {
  struct value_type {
    boost::beast::file_posix file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  static std::uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;
    static constexpr std::uint64_t kChunk = 64 * 1024;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body)
        : body_(body), remain_(body.length) {}

    void init(boost::beast::error_code& ec) {
      body_.file.seek(body_.offset, ec);
      if (ec) return;
      // Sized to the span so small files do not cost a 64 KiB allocation.
      chunk_ = static_cast<std::size_t>(std::min(remain_, kChunk));
      buf_ = std::make_unique<char[]>(std::max<std::size_t>(chunk_, 1));
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (remain_ == 0) return boost::none;
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remain_, chunk_));
      const std::size_t got = body_.file.read(buf_.get(), want, ec);
      if (ec) return boost::none;
      if (got == 0) {
        // The file shrank after the headers went out: the connection must be dropped.
        ec = boost::beast::http::error::short_read;
        return boost::none;
      }
      remain_ -= got;
      return {{const_buffers_type(buf_.get(), got), remain_ > 0}};
    }

   private:
    value_type& body_;
    std::uint64_t remain_;
    std::size_t chunk_ = 0;
    std::unique_ptr<char[]> buf_;
  };
};

// A Beast body that sends `length` bytes of shared, immutable memory from `offset`, in one
// buffer and without a copy; the shared_ptr keeps the bytes alive if the source is replaced.
struct StringSpanBody {
  struct value_type {
    std::shared_ptr<const std::string> bytes;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  static std::uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) {
      ec = {};
      const std::uint64_t have = body_.bytes ? body_.bytes->size() : 0;
      if (body_.offset > have || body_.length > have - body_.offset)
        ec = boost::beast::http::error::short_read;
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (sent_ || body_.length == 0) return boost::none;
      sent_ = true;
      return {{const_buffers_type(body_.bytes->data() + body_.offset,
                                  static_cast<std::size_t>(body_.length)),
               false}};
    }

   private:
    value_type& body_;
    bool sent_ = false;
  };
};

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};

// The outcome of a Range header for a representation of `size` bytes (RFC 9110 §14).
struct RangeRequest {
  enum class Kind {
    ignore,         // absent, invalid, unknown unit or several ranges: send the whole file
    satisfiable,    // one range, clamped to the file
    unsatisfiable,  // 416
  };
  Kind kind = Kind::ignore;
  ByteRange range;
};
RangeRequest parse_range(std::string_view header, std::uint64_t size);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string format_http_date(std::chrono::sys_seconds t);
// Accepts the three forms RFC 9110 §5.6.7 requires (IMF-fixdate, RFC 850, asctime).
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view s);

// If-None-Match: "*" or a list of entity-tags, compared weakly (W/ prefixes ignored).
bool if_none_match_matches(std::string_view header, std::string_view etag);
// If-Range: a strong entity-tag equal to `etag`, or a date equal to `last_modified`.
bool if_range_matches(std::string_view header, std::string_view etag,
                      std::chrono::sys_seconds last_modified);

// An open regular file under the root, with the metadata taken from the open descriptor (not
// from the path, which may be replaced meanwhile: live playlists are rewritten by rename).
struct OpenFile {
  boost::beast::file_posix file;
  std::uint64_t size = 0;
  std::chrono::sys_seconds last_modified;
  std::string etag;
};

// `path` (canonical) strictly below `root` (canonical), with no hidden component below the root
// (a symlink inside the root may point at a dotfile).
bool inside_root(const std::filesystem::path& root, const std::filesystem::path& path);
// Opens `path` without following a link or blocking on a FIFO; nullopt unless a regular file.
std::optional<OpenFile> open_regular_file(const std::filesystem::path& path);
// The whole file, or nullopt when it did not read as `size` bytes (it changed meanwhile).
std::optional<std::string> read_whole(boost::beast::file_posix& file, std::uint64_t size);

}  // namespace streampulse::http::file_server_detail
