#pragma once
// The catalog of streams (issue 15): each stream an id, a name and a playback URL. Pure rules
// and state, no I/O: the routes (api/streams.cpp) change it on the state loop, the app keeps it
// across restarts (persist/stream_keeper.hpp).
//
// One stream is the default (STREAMPULSE_STREAM_ID, its URL and name from the configuration):
// it always exists and cannot be removed; PUT may change its name and URL. The catalog is
// bounded (StreamLimits): past the bound a new stream is refused, never another one dropped.
#include "streampulse/core/stream_ids.hpp"

#include <boost/system/result.hpp>

#include <algorithm>

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streampulse::core {

struct Stream {
  std::string id;
  std::string name;
  std::string url;
  friend bool operator==(const Stream&, const Stream&) = default;
};

struct StreamLimits {
  std::size_t max_streams = 10'000;  // the default stream included
  std::size_t max_name_chars = 200;  // UTF-8 code points
  std::size_t max_url_bytes = 2048;
};

inline constexpr std::size_t kMaxStreamIdLength = 64;

// Why a change was refused; each is a 4xx on the routes, and changes nothing.
enum class StreamRefusal {
  bad_id,          // not 1 to 64 characters of A-Z a-z 0-9 _ -
  bad_name,        // empty, blank, control characters, or too long
  bad_url,         // not http(s) with a host, nor a site-relative path; or too long
  catalog_full,    // a new stream past max_streams
  not_found,       // no stream with that id
  default_stream,  // the default stream cannot be removed
};

struct StreamProblem {
  StreamRefusal refusal;
  std::string message;  // for a person: names the field or the id
};

// Inline: the heartbeat's parser uses it, and the fuzzers link that parser without the catalog.
inline bool is_valid_stream_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxStreamIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}
// nullopt: the stream's id, name and URL keep the rules (the catalog's bound is not checked).
std::optional<StreamProblem> check_stream(const Stream& stream, const StreamLimits& limits);

// What a change did, enough to undo it (when it could not be saved).
struct StreamChange {
  bool created = false;              // put: a new stream (else it replaced one)
  Stream stream;                     // put: the stream now; remove: the one removed
  std::optional<Stream> previous;    // what was there before (nullopt: nothing)
  bool default_was_changed = false;  // the default's "changed by PUT" mark before
};

class StreamCatalog {
 public:
  // `default_stream` should keep the rules (the configuration checks them); it is kept as is.
  explicit StreamCatalog(Stream default_stream, StreamLimits limits = {});

  // Adds or replaces a stream; the default stream's name and URL may be replaced too.
  boost::system::result<StreamChange, StreamProblem> put(Stream stream);
  // Removes a stream; refused for the default and for an unknown id.
  boost::system::result<StreamChange, StreamProblem> remove(std::string_view id);
  // Puts back what was there before `change` (a put or a remove), when saving it failed.
  void undo(const StreamChange& change);

  const Stream* find(std::string_view id) const;
  const Stream& default_stream() const;
  bool is_default(std::string_view id) const { return id == default_id_; }
  // Every stream: the default first, then by id.
  std::vector<Stream> list() const;
  std::size_t size() const { return streams_.size(); }
  const StreamLimits& limits() const { return limits_; }

  // What is kept across restarts: every stream but the default, and the default too once a
  // PUT changed it (then its stored name and URL win over the configuration's at start).
  std::vector<Stream> saved() const;
  bool default_changed() const { return default_changed_; }
  // Puts back streams read at start (saved() of an earlier run). Entries breaking the rules or
  // past the bound are skipped; their descriptions are returned for the log.
  std::vector<std::string> load(std::vector<Stream> streams);

  // The ids now, for the other loops (heartbeats are checked there): republished on every
  // change; the one part of the catalog that any thread may read. Copies of a catalog share it.
  std::shared_ptr<const StreamIds> ids() const { return ids_; }

 private:
  void publish_ids();
  StreamLimits limits_;
  std::string default_id_;
  bool default_changed_ = false;
  std::map<std::string, Stream, std::less<>> streams_;
  std::shared_ptr<StreamIds> ids_;
  bool loading_ = false;
};

// The data dir's file: {"version":1,"streams":[{"id":...,"name":...,"url":...},...]}.
std::string streams_to_json(const std::vector<Stream>& streams);
// Every entry with an id, a name and a URL as strings (the catalog checks the rules); an error
// message when the text is not such a document.
boost::system::result<std::vector<Stream>, std::string> streams_from_json(std::string_view text);

// One stream's value in a dictionary keyed by id (the Momento backend): {"name":...,"url":...}.
std::string stream_value_json(const Stream& stream);
std::optional<Stream> stream_from_value_json(std::string_view id, std::string_view json);

}  // namespace streampulse::core
