#pragma once
// `streampulse media upload`, split in two: media_command.cpp parses and checks the arguments,
// media_upload.cpp does the upload itself (the files PUT four at a time, then the stream
// registered). Private to src/cli/.
#include "streampulse/core/stream_catalog.hpp"

#include <filesystem>
#include <string>

namespace streampulse::cli::media_upload {

// "streampulse media upload: {message}" on stderr; returns 2 (bad usage).
int usage_error(const std::string& message);

// Uploads the regular files under `dir` (dotfiles skipped) to {base}/media/{prefix}/..., then,
// when `registers`, registers `stream` with the master playlist's URL. The arguments are
// checked already. Returns run_media_command's exit code.
int upload_folder(const std::filesystem::path& dir, const std::string& prefix,
                  const std::string& base, const std::string& token, bool registers,
                  core::Stream stream);

}  // namespace streampulse::cli::media_upload
