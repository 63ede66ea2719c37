#pragma once
// The FileServerTest fixture of the file server tests (file_server_ranges_test.cpp,
// file_server_policy_test.cpp): a temporary media root with a manifest, a segment, hidden files
// and symlinks, and a GET through the FileServer parsed as a client would. A named namespace:
// GoogleTest refuses a suite whose fixture types differ.
#include "streampulse/http/file_server.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <boost/beast/http/parser.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace file_server_test {

namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;
using streampulse::http::content_type_for;
using streampulse::http::FileServer;
using streampulse::http::FileServerOptions;
using streampulse::http::Request;
using streampulse::http::Response;
using Parsed = bhttp::response<bhttp::string_body>;

inline constexpr std::size_t kSegmentSize = 1024 * 1024;
inline constexpr std::string_view kManifest = "#EXTM3U\n#EXT-X-VERSION:3\n";  // 25 bytes

inline std::string segment_bytes() {
  std::string s(kSegmentSize, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>((i * 31 + i / 251) & 0xff);
  return s;
}

inline void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

// Runs the message generator to the end and parses what it produced, as a client would.
inline Parsed to_message(Response res, bool head = false) {
  auto& gen = res.generator();
  std::string wire;
  while (!gen.is_done()) {
    boost::beast::error_code ec;
    const auto buffers = gen.prepare(ec);
    EXPECT_FALSE(ec) << ec.message();
    if (ec) break;
    std::size_t n = 0;
    for (const auto& b : buffers) {
      wire.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    gen.consume(n);
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(4 * kSegmentSize);
  parser.skip(head);
  boost::beast::error_code ec;
  parser.eager(true);
  const auto used = parser.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(used, wire.size()) << "bytes after the message";
  return parser.release();
}

class FileServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    base_ = fs::temp_directory_path() / ("streampulse-fs-" + std::to_string(rd()));
    root_ = base_ / "root";
    write_file(root_ / "sample/master.m3u8", std::string(kManifest));
    write_file(root_ / "empty.txt", "");
    write_file(root_ / "sample/v360p/seg0.ts", segment_bytes());
    write_file(root_ / "index.html", "<!doctype html>");
    write_file(root_ / ".secret", "token");
    write_file(base_ / "outside.txt", "private");
    fs::create_symlink(base_ / "outside.txt", root_ / "escape.txt");
    fs::create_symlink("master.m3u8", root_ / "sample/alias.m3u8");
  }
  void TearDown() override { fs::remove_all(base_); }

  Parsed get(const std::string& target, std::vector<std::pair<bhttp::field, std::string>> headers,
             FileServerOptions options = {}, bhttp::verb method = bhttp::verb::get) {
    options.root = root_.string();
    FileServer server(options);
    Request req{method, target, 11};
    for (auto& [f, v] : headers) req.set(f, v);
    const auto url = boost::urls::parse_origin_form(target).value();
    // As the router does for the prefix route "/media/": the decoded path after it.
    const std::string path = url.path();
    const auto rest = std::string_view(path).substr(std::string_view("/media/").size());
    return to_message(server.serve(req, rest, url), method == bhttp::verb::head);
  }
  Parsed get(const std::string& target) { return get(target, {}); }

  fs::path base_, root_;
};

}  // namespace file_server_test
