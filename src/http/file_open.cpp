// Opening a file under the file server's root: containment, no links followed, no FIFO
// waited on, the metadata (size, date, entity-tag) from the open descriptor.
#include "file_server_detail.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace streampulse::http::file_server_detail {

namespace fs = std::filesystem;
namespace beast = boost::beast;

bool inside_root(const fs::path& root, const fs::path& path) {
  auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  if (r != root.end() || p == path.end()) return false;
  return std::none_of(p, path.end(), [](const fs::path& part) {
    return part.native().empty() || part.native().front() == '.';
  });
}

std::optional<OpenFile> open_regular_file(const fs::path& path) {
  // O_NONBLOCK: opening a FIFO planted under the root must not block the I/O thread; it has no
  // effect on reads of regular files. O_NOFOLLOW: the path was canonical a moment ago.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  OpenFile out;
  out.file.native_handle(fd);  // owns the descriptor from here on
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;  // directories too
  out.size = static_cast<std::uint64_t>(st.st_size);
  out.last_modified = std::chrono::sys_seconds{std::chrono::seconds{st.st_mtim.tv_sec}};
  const auto mtime_ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000u +
                        static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  char etag[48];
  std::snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "\"", out.size, mtime_ns);
  out.etag = etag;
  return out;
}

std::optional<std::string> read_whole(beast::file_posix& file, std::uint64_t size) {
  std::string out(size, '\0');
  beast::error_code ec;
  file.seek(0, ec);
  std::size_t done = 0;
  while (!ec && done < out.size()) {
    const auto n = file.read(out.data() + done, out.size() - done, ec);
    if (n == 0) break;
    done += n;
  }
  if (ec || done != out.size()) return std::nullopt;
  return out;
}

}  // namespace streampulse::http::file_server_detail
