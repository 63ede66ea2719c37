#pragma once
// Shared by the media tests (media_test.cpp, media_upload_test.cpp): bytes that are not text,
// and a temporary folder removed with its contents.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace media_test {

namespace fs = std::filesystem;

inline std::string binary_bytes(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + i / 13) & 0xff);
  return s;
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("streampulse-media-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void write(const std::string& relative, const std::string& content) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative, std::ios::binary) << content;
  }

 private:
  fs::path path_;
};

}  // namespace media_test
