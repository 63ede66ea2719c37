// The catalog's stored forms: the data dir's file and the Momento dictionary's values.
#include "streampulse/core/stream_catalog.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace streampulse::core {

namespace json = boost::json;

namespace {

std::optional<std::string> string_field(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace

std::string streams_to_json(const std::vector<Stream>& streams) {
  json::array list;
  list.reserve(streams.size());
  for (const auto& s : streams) list.push_back({{"id", s.id}, {"name", s.name}, {"url", s.url}});
  return json::serialize(json::object{{"version", 1}, {"streams", std::move(list)}});
}

boost::system::result<std::vector<Stream>, std::string> streams_from_json(std::string_view text) {
  boost::system::error_code ec;
  const auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::string("not a JSON object");
  const auto* version = doc.get_object().if_contains("version");
  if (!version || !version->is_int64() || version->get_int64() != 1)
    return std::string("no \"version\":1");
  const auto* list = doc.get_object().if_contains("streams");
  if (!list || !list->is_array()) return std::string("no \"streams\" array");
  std::vector<Stream> out;
  out.reserve(list->get_array().size());
  for (const auto& entry : list->get_array()) {
    if (!entry.is_object()) return std::string("an entry of \"streams\" is not an object");
    auto id = string_field(entry.get_object(), "id");
    auto name = string_field(entry.get_object(), "name");
    auto url = string_field(entry.get_object(), "url");
    if (!id || !name || !url) return std::string("an entry lacks a string id, name or url");
    out.push_back({std::move(*id), std::move(*name), std::move(*url)});
  }
  return out;
}

std::string stream_value_json(const Stream& stream) {
  return json::serialize(json::object{{"name", stream.name}, {"url", stream.url}});
}

std::optional<Stream> stream_from_value_json(std::string_view id, std::string_view text) {
  boost::system::error_code ec;
  const auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  auto name = string_field(doc.get_object(), "name");
  auto url = string_field(doc.get_object(), "url");
  if (!name || !url) return std::nullopt;
  return Stream{std::string(id), std::move(*name), std::move(*url)};
}

}  // namespace streampulse::core
