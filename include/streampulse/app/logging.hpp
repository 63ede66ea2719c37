#pragma once
#include "streampulse/config/config.hpp"

#include <string>

namespace streampulse::app {

// Installs the default spdlog logger: asynchronous with a bounded queue (a slow stdout drops
// the oldest lines rather than stalling requests), text or one JSON object a line.
void setup_logging(const std::string& level, config::LogFormat format);

}  // namespace streampulse::app
