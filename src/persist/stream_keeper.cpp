#include "streampulse/persist/stream_keeper.hpp"

#include "streampulse/core/error.hpp"
#include "streampulse/persist/blocking.hpp"
#include "streampulse/persist/durable_file.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace streampulse::persist {

namespace fs = std::filesystem;
using store::result;

namespace {

// A catalog holds at most 10,000 streams of about 2.3 KB at most each.
constexpr std::uintmax_t kMaxFileBytes = 64ull << 20;

class FileKeeper final : public StreamKeeper {
 public:
  FileKeeper(fs::path file, boost::asio::any_io_executor io) : file_(std::move(file)), io_(io) {}

  store::awaitable<result<std::vector<core::Stream>>> load() override {
    std::optional<std::string> text;
    auto failure = co_await run_blocking(io_, [this, &text] { text = read(); });
    if (!failure.empty()) {
      spdlog::error("streams: cannot read {}: {}", file_.string(), failure);
      co_return streampulse::errc::unavailable;
    }
    if (!text) co_return std::vector<core::Stream>{};
    auto streams = core::streams_from_json(*text);
    if (streams) co_return std::move(*streams);
    std::string aside;
    co_await run_blocking(io_, [this, &aside] { aside = copy_aside(); });
    spdlog::error("streams: {} is damaged ({}); {}; starting with the default stream only",
                  file_.string(), streams.error(), aside);
    co_return std::vector<core::Stream>{};
  }

  store::awaitable<result<void>> save_put(const core::StreamCatalog& catalog,
                                          const core::Stream&) override {
    co_return co_await save(catalog);
  }
  store::awaitable<result<void>> save_remove(const core::StreamCatalog& catalog,
                                             const std::string&) override {
    co_return co_await save(catalog);
  }

 private:
  // The whole catalog, taken now (on the caller's loop) and written on the file pool: writes
  // queue there in the order of the changes, so the last one on disk is the latest catalog.
  store::awaitable<result<void>> save(const core::StreamCatalog& catalog) {
    std::string text = core::streams_to_json(catalog.saved());
    const auto& file = file_;
    auto failure = co_await run_blocking(io_, [&file, &text] { write_file_durably(file, text); });
    if (!failure.empty()) {
      spdlog::error("streams: cannot write {}: {}", file_.string(), failure);
      co_return streampulse::errc::unavailable;
    }
    co_return result<void>{};
  }

  std::optional<std::string> read() const {
    std::error_code ec;
    if (!fs::exists(file_, ec)) return std::nullopt;
    if (fs::file_size(file_, ec) > kMaxFileBytes)
      throw std::runtime_error("larger than " + std::to_string(kMaxFileBytes) + " bytes");
    std::ifstream in(file_, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open it");
    std::ostringstream text;
    text << in.rdbuf();
    return std::move(text).str();
  }

  // Kept for a person to look at: the next change writes a fresh file over the original.
  std::string copy_aside() const {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const fs::path copy = file_.string() + ".corrupt-" + std::to_string(now);
    std::error_code ec;
    fs::copy_file(file_, copy, fs::copy_options::overwrite_existing, ec);
    return ec ? "not copied aside: " + ec.message() : "copied to " + copy.string();
  }

  fs::path file_;
  boost::asio::any_io_executor io_;
};

class DictionaryKeeper final : public StreamKeeper {
 public:
  DictionaryKeeper(store::Store& store, std::string dictionary)
      : store_(store), dictionary_(std::move(dictionary)) {}

  store::awaitable<result<std::vector<core::Stream>>> load() override {
    auto fields = co_await store_.dictionary_fetch(dictionary_);
    if (!fields) co_return fields.error();
    std::vector<core::Stream> out;
    out.reserve(fields->size());
    for (const auto& f : *fields) {
      if (auto stream = core::stream_from_value_json(f.field, f.value)) {
        out.push_back(std::move(*stream));
      } else {
        spdlog::warn("streams: the entry '{}' of the dictionary '{}' is not a stream; skipped",
                     f.field, dictionary_);
      }
    }
    co_return out;
  }

  store::awaitable<result<void>> save_put(const core::StreamCatalog&,
                                          const core::Stream& stream) override {
    // A named value, not a braced temporary, as the argument of a co_await'ed call (GCC 12).
    std::vector<store::FieldValue> items{{stream.id, core::stream_value_json(stream)}};
    co_return co_await store_.dictionary_set(dictionary_, std::move(items), kTtl);
  }

  store::awaitable<result<void>> save_remove(const core::StreamCatalog&,
                                             const std::string& id) override {
    std::vector<std::string> fields{id};
    co_return co_await store_.dictionary_remove(dictionary_, std::move(fields));
  }

 private:
  // Momento keeps a collection at most as long as the cache allows (24 h on on-demand caches);
  // each change refreshes the whole dictionary's lifetime (docs/momento.md).
  static constexpr store::CollectionTtl kTtl{std::chrono::hours(24), true};

  store::Store& store_;
  std::string dictionary_;
};

}  // namespace

std::unique_ptr<StreamKeeper> make_file_keeper(fs::path file,
                                               boost::asio::any_io_executor file_executor) {
  return std::make_unique<FileKeeper>(std::move(file), std::move(file_executor));
}

std::unique_ptr<StreamKeeper> make_dictionary_keeper(store::Store& store, std::string dictionary) {
  return std::make_unique<DictionaryKeeper>(store, std::move(dictionary));
}

store::awaitable<std::size_t> restore_streams(core::StreamCatalog& catalog, StreamKeeper& keeper) {
  auto kept = co_await keeper.load();
  if (!kept) {
    spdlog::warn("streams: the catalog could not be read ({}); the default stream only",
                 kept.error().message());
    co_return 0;
  }
  const std::size_t found = kept->size();
  const auto skipped = catalog.load(std::move(*kept));
  for (const auto& why : skipped) spdlog::warn("streams: a kept stream was skipped: {}", why);
  co_return found - skipped.size();
}

}  // namespace streampulse::persist
