#pragma once
// Shared by the fuzz targets: an invariant check that always aborts (NDEBUG-proof, so libFuzzer
// records the input), and a splitter for inputs made of several newline-separated fields.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (false)

namespace streampulse::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first `fields - 1` lines, then everything left (which may contain newlines) as the last.
inline std::vector<std::string_view> split_fields(std::string_view in, std::size_t fields) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < fields) {
    const auto nl = in.find('\n');
    if (nl == std::string_view::npos) break;
    out.push_back(in.substr(0, nl));
    in.remove_prefix(nl + 1);
  }
  out.push_back(in);
  out.resize(fields);
  return out;
}

}  // namespace streampulse::fuzz
