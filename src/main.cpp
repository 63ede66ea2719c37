// streampulse: wires the command line to its parts. Nothing else lives here.
#include "streampulse/app/app.hpp"
#include "streampulse/cli/media_command.hpp"
#include "streampulse/cli/simulate_command.hpp"

#include <array>
#include <cstring>
#include <iostream>

namespace {

constexpr const char* kUsage =
    "Usage: streampulse [COMMAND] [options]\n\n"
    "Commands:\n"
    "  serve                      run the service (the default)\n"
    "  simulate                   synthetic players sending real heartbeats\n"
    "  media upload DIR           put an HLS folder into the media origin\n\n"
    "'streampulse COMMAND --help' lists a command's options with their defaults.\n";

int serve(int argc, const char* const* argv) {
  auto parsed = streampulse::config::parse_serve_config(argc, argv);
  if (parsed.exit) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message;
    return parsed.exit_code;
  }
  streampulse::app::App app(std::move(parsed.config));
  std::string message;
  if (auto ec = app.start(message)) {
    std::cerr << "streampulse: " << message << "\n";
    return 1;
  }
  return app.run();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "serve") return serve(argc - 1, argv + 1);
  if (command == "simulate") return streampulse::cli::run_simulate_command(argc - 1, argv + 1);
  if (command == "media") return streampulse::cli::run_media_command(argc - 1, argv + 1);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage << "\n";
    return serve(2, std::array<const char*, 2>{argv[0], "--help"}.data());
  }
  if (command.empty() || command.front() == '-') return serve(argc, argv);
  std::cerr << "streampulse: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
