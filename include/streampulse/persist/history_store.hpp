#pragma once
// Keeps the viewer history (core/viewer_history.hpp) across restarts of the embedded backend:
// `history.json` in STREAMPULSE_DATA_DIR, the JSON of GET /api/history, written to a temporary
// file renamed over the old one. Separate from the players' snapshot (snapshot.hpp).
#include "streampulse/core/viewer_history.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace streampulse::persist {

inline constexpr std::string_view kHistoryFileName = "history.json";

// Blocking; an empty string when it worked, else what failed.
std::string write_history_file(const std::filesystem::path& file, const std::string& json);
// Blocking; false when the file is missing or unreadable (then `history` is unchanged).
bool read_history_file(const std::filesystem::path& file, core::ViewerHistory& history);

}  // namespace streampulse::persist
