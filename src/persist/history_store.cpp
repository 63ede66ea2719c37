#include "streampulse/persist/history_store.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

namespace streampulse::persist {

std::string write_history_file(const std::filesystem::path& file, const std::string& json) {
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(json.data(), static_cast<std::streamsize>(json.size()));
    out.flush();
    if (!out) return "cannot write " + tmp.string();
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) return "cannot rename " + tmp.string() + ": " + ec.message();
  return {};
}

bool read_history_file(const std::filesystem::path& file, core::ViewerHistory& history) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  return history.restore(text.str());
}

}  // namespace streampulse::persist
