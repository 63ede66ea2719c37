#include "streampulse/app/paths.hpp"

#include <filesystem>
#include <vector>

namespace streampulse::app {

namespace fs = std::filesystem;

std::string find_static_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates{fs::current_path(ec) / "static"};
  if (!exe.empty()) {
    candidates.push_back(exe.parent_path() / ".." / "share" / "streampulse" / "static");
    candidates.push_back(exe.parent_path() / ".." / "static");
  }
  for (const auto& dir : candidates) {
    if (fs::exists(dir / "player.html", ec)) return fs::weakly_canonical(dir, ec).string();
  }
  return candidates.front().string();
}

std::string default_media_dir(const std::string& static_dir) {
  return (fs::path(static_dir).parent_path() / "media").string();
}

}  // namespace streampulse::app
