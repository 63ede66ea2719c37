#pragma once
// Where the bundled pages and sample media are when no option says.
#include <string>

namespace streampulse::app {

// ./static if it holds the pages, else <binary>/../share/streampulse/static, else
// <binary>/../static (a build folder inside the source tree).
std::string find_static_dir();

// The folder beside the static folder named media/ (the sample stream lives there).
std::string default_media_dir(const std::string& static_dir);

}  // namespace streampulse::app
