#pragma once
// Keeps the stream catalog (core/stream_catalog.hpp) across restarts: `streams.json` in
// STREAMPULSE_DATA_DIR on the embedded backend (the whole catalog, written durably on the file
// pool at each change), the dictionary `streams` of the cache on Momento (one field per stream:
// id -> {"name","url"}). Without either, the catalog lives in memory only (no keeper).
//
// Read once at start (App::run, before serving); each change is saved before it is answered.
#include "streampulse/core/stream_catalog.hpp"
#include "streampulse/store/store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace streampulse::persist {

inline constexpr std::string_view kStreamsFileName = "streams.json";
inline constexpr std::string_view kStreamsDictionary = "streams";

class StreamKeeper {
 public:
  virtual ~StreamKeeper() = default;
  // What an earlier run kept; empty when nothing was kept.
  virtual store::awaitable<store::result<std::vector<core::Stream>>> load() = 0;
  // Saves `stream` as put into `catalog` (the catalog as it is after the change).
  virtual store::awaitable<store::result<void>> save_put(const core::StreamCatalog& catalog,
                                                         const core::Stream& stream) = 0;
  // Saves the removal of `id` from `catalog` (as it is after the removal).
  virtual store::awaitable<store::result<void>> save_remove(const core::StreamCatalog& catalog,
                                                            const std::string& id) = 0;
};

// The data dir's file, read and written on `file_executor` (the App's file pool). A file that
// cannot be read as a catalog is copied aside as `<name>.corrupt-<epoch s>` and the service
// starts with the default stream only.
std::unique_ptr<StreamKeeper> make_file_keeper(std::filesystem::path file,
                                               boost::asio::any_io_executor file_executor);
// A dictionary of the store (Momento's cache).
std::unique_ptr<StreamKeeper> make_dictionary_keeper(store::Store& store, std::string dictionary);

// Start: puts what `keeper` kept into `catalog`, logging what it skipped. Errors are logged;
// the catalog then holds the default stream only. Returns the number of streams loaded.
store::awaitable<std::size_t> restore_streams(core::StreamCatalog& catalog, StreamKeeper& keeper);

}  // namespace streampulse::persist
