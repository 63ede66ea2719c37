#pragma once
// Writing a whole file so that a crash leaves the old version or the new one, never a mix: the
// players' snapshot (snapshot.cpp) and the stream catalog (stream_keeper.cpp). Blocking: call it
// on the file pool (persist/blocking.hpp), never on a loop's thread.
#include <filesystem>
#include <string_view>

namespace streampulse::persist {

// A temporary file beside `file`, fsync, renamed over `file`, then the directory fsync'd so that
// the rename itself is durable. Throws std::runtime_error (or filesystem_error) on failure.
void write_file_durably(const std::filesystem::path& file, std::string_view text);

}  // namespace streampulse::persist
