#include "streampulse/core/stream_catalog.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>

namespace streampulse::core {

namespace {

StreamProblem problem(StreamRefusal refusal, std::string message) {
  return {refusal, std::move(message)};
}

// Code points of valid UTF-8 without control characters; nullopt otherwise.
std::optional<std::size_t> printable_chars(std::string_view s) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++chars) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return std::nullopt;
      len = 1;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      len = 4;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return std::nullopt;
    }
    i += len;
  }
  return chars;
}

// http(s) with a host, or a path on this site ("/media/x/master.m3u8"); never another scheme
// (javascript:, data:) nor a network-path reference ("//host/...").
bool valid_playback_url(std::string_view url) {
  const auto parsed = boost::urls::parse_uri_reference(url);
  if (!parsed) return false;
  if (parsed->has_scheme()) {
    const auto scheme = parsed->scheme_id();
    return (scheme == boost::urls::scheme::http || scheme == boost::urls::scheme::https) &&
           parsed->has_authority() && !parsed->encoded_host().empty();
  }
  return !parsed->has_authority() && parsed->is_path_absolute();
}

}  // namespace

std::optional<StreamProblem> check_stream(const Stream& stream, const StreamLimits& limits) {
  if (!is_valid_stream_id(stream.id)) {
    return problem(StreamRefusal::bad_id,
                   "a stream id is 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'");
  }
  const auto chars = printable_chars(stream.name);
  const bool blank = stream.name.find_first_not_of(' ') == std::string::npos;
  if (!chars || blank || *chars > limits.max_name_chars) {
    return problem(StreamRefusal::bad_name, "field 'name' must be 1 to " +
                                                std::to_string(limits.max_name_chars) +
                                                " characters, not blank, no control characters");
  }
  if (stream.url.size() > limits.max_url_bytes || !valid_playback_url(stream.url)) {
    return problem(StreamRefusal::bad_url,
                   "field 'url' must be an http:// or https:// URL with a host, or a path on "
                   "this site such as /media/NAME/master.m3u8, at most " +
                       std::to_string(limits.max_url_bytes) + " bytes");
  }
  return std::nullopt;
}

StreamCatalog::StreamCatalog(Stream default_stream, StreamLimits limits)
    : limits_(limits),
      default_id_(default_stream.id),
      ids_(std::make_shared<StreamIds>(default_stream.id)) {
  streams_.emplace(default_id_, std::move(default_stream));
}

void StreamCatalog::publish_ids() {
  auto set = std::make_shared<StreamIdSet>();
  set->default_id = default_id_;
  for (const auto& [id, stream] : streams_) set->ids.insert(set->ids.end(), id);
  ids_->replace(std::move(set));
}

boost::system::result<StreamChange, StreamProblem> StreamCatalog::put(Stream stream) {
  if (auto bad = check_stream(stream, limits_)) return *bad;
  StreamChange change;
  change.default_was_changed = default_changed_;
  auto it = streams_.find(stream.id);
  if (it == streams_.end()) {
    if (streams_.size() >= limits_.max_streams) {
      return problem(StreamRefusal::catalog_full, "the catalog holds " +
                                                      std::to_string(limits_.max_streams) +
                                                      " streams, its bound; remove one first");
    }
    change.created = true;
    it = streams_.emplace(stream.id, stream).first;
    if (!loading_) publish_ids();
  } else {
    change.previous = it->second;
    it->second = stream;
  }
  if (is_default(stream.id)) default_changed_ = true;
  change.stream = std::move(stream);
  return change;
}

boost::system::result<StreamChange, StreamProblem> StreamCatalog::remove(std::string_view id) {
  if (is_default(id)) {
    return problem(StreamRefusal::default_stream,
                   "'" + std::string(id) +
                       "' is the default stream (STREAMPULSE_STREAM_ID): it cannot be removed; "
                       "PUT may change its name and URL");
  }
  auto it = streams_.find(id);
  if (it == streams_.end())
    return problem(StreamRefusal::not_found, "no stream '" + std::string(id) + "'");
  StreamChange change;
  change.default_was_changed = default_changed_;
  change.stream = std::move(it->second);
  change.previous = change.stream;
  streams_.erase(it);
  publish_ids();
  return change;
}

void StreamCatalog::undo(const StreamChange& change) {
  default_changed_ = change.default_was_changed;
  if (change.previous) {
    streams_.insert_or_assign(change.previous->id, *change.previous);
  } else if (!is_default(change.stream.id)) {
    streams_.erase(change.stream.id);
  }
  publish_ids();
}

const Stream* StreamCatalog::find(std::string_view id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : &it->second;
}

const Stream& StreamCatalog::default_stream() const { return *find(default_id_); }

std::vector<Stream> StreamCatalog::list() const {
  std::vector<Stream> out;
  out.reserve(streams_.size());
  out.push_back(default_stream());
  for (const auto& [id, stream] : streams_) {
    if (!is_default(id)) out.push_back(stream);
  }
  return out;
}

std::vector<Stream> StreamCatalog::saved() const {
  std::vector<Stream> out;
  out.reserve(streams_.size());
  for (const auto& [id, stream] : streams_) {
    if (!is_default(id) || default_changed_) out.push_back(stream);
  }
  return out;
}

std::vector<std::string> StreamCatalog::load(std::vector<Stream> streams) {
  std::vector<std::string> skipped;
  loading_ = true;  // one publish at the end, not one per stream
  for (auto& stream : streams) {
    const std::string id = stream.id;
    auto put_ok = put(std::move(stream));
    if (!put_ok) skipped.push_back("'" + id + "': " + put_ok.error().message);
  }
  loading_ = false;
  publish_ids();
  return skipped;
}

}  // namespace streampulse::core
