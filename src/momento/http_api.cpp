#include "streampulse/momento/http_api.hpp"

#include "base64.hpp"
#include "streampulse/core/error.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace streampulse::momento::http_api {

namespace json = boost::json;

namespace {

std::string segment(std::string_view name) {
  return boost::urls::encode(name, boost::urls::unreserved_chars);
}

std::optional<std::uint64_t> read_u64(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;  // proto3 JSON omits zero values
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  if (v->is_string()) {  // proto3 JSON writes 64-bit integers as strings
    const auto& s = v->get_string();
    std::uint64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10) return std::nullopt;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return s.empty() ? std::nullopt : std::optional<std::uint64_t>(n);
  }
  return std::nullopt;
}

std::optional<store::TopicItem> read_item(const json::object& o) {
  store::TopicItem item;
  auto seq = read_u64(o, "topic_sequence_number");
  auto page = read_u64(o, "sequence_page");
  if (!seq || !page) return std::nullopt;
  item.topic_sequence_number = *seq;
  item.sequence_page = *page;
  if (const auto* p = o.if_contains("publisher_id"); p && p->is_string())
    item.publisher_id = std::string(p->get_string());
  const auto* value = o.if_contains("value");
  if (!value || !value->is_object()) return std::nullopt;
  const auto& v = value->get_object();
  if (const auto* t = v.if_contains("text"); t && t->is_string()) {
    item.value = {false, std::string(t->get_string())};
  } else if (const auto* b = v.if_contains("binary"); b && b->is_string()) {
    auto bytes = detail::base64_decode(std::string_view(b->get_string()));
    if (!bytes) return std::nullopt;
    item.value = {true, std::move(*bytes)};
  } else {
    return std::nullopt;
  }
  return item;
}

}  // namespace

std::string topic_path(std::string_view cache, std::string_view topic) {
  return "/topics/" + segment(cache) + "/" + segment(topic);
}

std::string subscribe_target(std::string_view cache, std::string_view topic,
                             store::SubscribePosition from) {
  return topic_path(cache, topic) + "?sequence_number=" + std::to_string(from.sequence_number) +
         "&sequence_page=" + std::to_string(from.sequence_page);
}

std::string scalar_target(std::string_view cache, std::string_view key, long ttl_seconds) {
  std::string out = "/cache/" + segment(cache) + "?key=" + segment(key);
  if (ttl_seconds > 0) out += "&ttl_seconds=" + std::to_string(ttl_seconds);
  return out;
}

boost::system::result<std::vector<store::SubscriptionEvent>> read_long_poll(std::string_view text) {
  const auto internal = make_error_code(errc::internal);
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return internal;
  std::vector<store::SubscriptionEvent> out;
  const auto* items = doc.get_object().if_contains("items");
  if (!items || items->is_null()) return out;
  if (!items->is_array()) return internal;
  for (const auto& element : items->get_array()) {
    if (!element.is_object()) return internal;
    const auto& e = element.get_object();
    if (const auto* i = e.if_contains("item")) {
      if (!i->is_object()) return internal;
      auto item = read_item(i->get_object());
      if (!item) return internal;
      out.emplace_back(std::move(*item));
    } else if (const auto* d = e.if_contains("discontinuity")) {
      if (!d->is_object()) return internal;
      const auto& o = d->get_object();
      auto last = read_u64(o, "last_topic_sequence");
      auto next = read_u64(o, "new_topic_sequence");
      auto page = read_u64(o, "new_sequence_page");
      if (!last || !next || !page) return internal;
      out.emplace_back(store::Discontinuity{*last, *next, *page});
    }
    // "heartbeat" and kinds newer than this code carry nothing for the subscriber.
  }
  return out;
}

std::string error_reason(std::string_view body) {
  std::string out(body.substr(0, 200));
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

}  // namespace streampulse::momento::http_api
