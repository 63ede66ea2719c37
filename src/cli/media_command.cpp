// `streampulse media`: the command's usage, its options and the checks of its arguments; the
// upload itself is in media_upload.cpp.
#include "streampulse/cli/media_command.hpp"

#include "media_upload.hpp"
#include "streampulse/core/stream_catalog.hpp"
#include "streampulse/media/media_store.hpp"

#include <boost/program_options.hpp>
#include <boost/url/parse.hpp>

#include <filesystem>
#include <iostream>
#include <string>
#include <utility>

namespace streampulse::cli {

namespace media_upload {

int usage_error(const std::string& message) {
  std::cerr << "streampulse media upload: " << message << "\n";
  return 2;
}

}  // namespace media_upload

namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using media_upload::usage_error;

constexpr const char* kMediaUsage =
    "Usage: streampulse media upload DIR [options]\n\n"
    "Commands:\n"
    "  upload DIR   PUT every regular file under DIR (dotfiles skipped) to\n"
    "               {target}/media/{prefix}/{path relative to DIR}, 4 at a time; then,\n"
    "               when --prefix is a stream id (1 to 64 of A-Z a-z 0-9 _ -) and DIR has\n"
    "               master.m3u8 (or one .m3u8) at its top, registers the stream {prefix}\n"
    "               (PUT /api/streams/{prefix}, url /media/{prefix}/master.m3u8, name from\n"
    "               --name): play it at {target}/?streamId={prefix}\n\n";

std::string env_mapper(const std::string& var) {
  if (var == "STREAMPULSE_SIM_TARGET") return "target";
  if (var == "STREAMPULSE_ADMIN_TOKEN") return "admin-token";
  return {};
}

po::options_description upload_options() {
  po::options_description desc("Options of upload (environment variable in brackets; flags win)",
                               110, 60);
  desc.add_options()("help,h", "show this help")(
      "prefix", po::value<std::string>()->default_value("", "none"),
      "folder under /media/ to upload into, e.g. 'show'; also the id of the stream registered")(
      "name", po::value<std::string>(), "name of the registered stream [the prefix]")(
      "target", po::value<std::string>()->default_value("http://127.0.0.1:8080"),
      "service base URL [STREAMPULSE_SIM_TARGET]")(
      "admin-token", po::value<std::string>(),
      "the service's admin token, required [STREAMPULSE_ADMIN_TOKEN]");
  return desc;
}

int upload(int argc, char** argv) {
  auto desc = upload_options();
  po::options_description all;
  all.add(desc).add_options()("dir", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::store(po::parse_environment(desc, env_mapper), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "streampulse media upload: " << e.what() << "\n(see --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kMediaUsage << desc << "\n";
    return 0;
  }
  if (!vm.count("dir")) return usage_error("which folder? streampulse media upload DIR");
  const fs::path dir = vm["dir"].as<std::string>();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return usage_error(dir.string() + " is not a folder");
  std::string token = vm.count("admin-token") ? vm["admin-token"].as<std::string>() : "";
  if (token.empty()) return usage_error("needs --admin-token T or STREAMPULSE_ADMIN_TOKEN");
  std::string base = vm["target"].as<std::string>();
  while (base.ends_with('/')) base.pop_back();
  const auto url = boost::urls::parse_uri(base);
  if (!url || url->scheme_id() != boost::urls::scheme::http || url->encoded_host().empty())
    return usage_error(base + ": --target must be an http:// URL");
  std::string prefix = vm["prefix"].as<std::string>();
  while (prefix.starts_with('/')) prefix.erase(0, 1);
  while (prefix.ends_with('/')) prefix.pop_back();
  if (!prefix.empty() && !media::MediaStore::valid_path(prefix))
    return usage_error("--prefix '" + prefix + "' breaks the media path rules");
  // The stream registered after the upload: id = the prefix, when it can be a stream id.
  const bool registers = core::is_valid_stream_id(prefix);
  core::Stream stream{prefix, vm.count("name") ? vm["name"].as<std::string>() : prefix, {}};
  if (vm.count("name") && !registers)
    return usage_error(
        "--name names the stream registered as --prefix, which must then be 1 to "
        "64 characters of A-Z, a-z, 0-9, '_' or '-'");
  if (registers) {
    stream.url =
        "/media/" + prefix + "/master.m3u8";  // checked here; the real one after the upload
    if (auto bad = core::check_stream(stream, {}); bad)
      return usage_error("--name: " + bad->message);
  }

  return media_upload::upload_folder(dir, prefix, base, token, registers, std::move(stream));
}

}  // namespace

int run_media_command(int argc, char** argv) {
  const std::string sub = argc > 1 ? argv[1] : "";
  if (sub == "upload") return upload(argc - 1, argv + 1);
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << kMediaUsage << upload_options() << "\n";
    return 0;
  }
  std::cerr << (sub.empty() ? std::string("streampulse media: which command?")
                            : "streampulse media: unknown command '" + sub + "'")
            << "\n\n"
            << kMediaUsage << upload_options() << "\n";
  return 2;
}

}  // namespace streampulse::cli
