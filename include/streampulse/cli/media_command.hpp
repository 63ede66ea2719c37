#pragma once
// `streampulse media upload DIR`: puts a folder of HLS files into a running service's media
// store (PUT /media/{prefix}/{relative path} with the admin token), four at a time.

namespace streampulse::cli {

// argv excludes the word "media": argv[0] is the program, argv[1] the subcommand ("upload").
// Returns 0 when every file was stored, 1 when some upload failed (or there was nothing to
// upload), 2 on bad usage.
int run_media_command(int argc, char** argv);

}  // namespace streampulse::cli
