// Topics (publish, subscribe items) and disposable tokens. Collections are in messages.cpp.
#include "streampulse/momento/messages.hpp"

#include "base64.hpp"
#include "message_parse.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <limits>

namespace streampulse::momento {

using detail::malformed;
using detail::parse;

namespace {

void set_value(cache_client::pubsub::_TopicValue& out, const store::TopicValue& value) {
  if (value.binary) {
    out.set_binary(value.data);
  } else {
    out.set_text(value.data);
  }
}

store::TopicValue to_port(const cache_client::pubsub::_TopicValue& value) {
  if (value.has_binary()) return {true, value.binary()};
  return {false, value.text()};  // text, or no value at all
}

// One "role on topic `topic` of cache `cache`" statement, selected by name as the SDKs do.
void add_topic_permission(permission_messages::ExplicitPermissions& out,
                          permission_messages::TopicRole role, std::string_view cache,
                          std::string_view topic) {
  auto* p = out.add_permissions()->mutable_topic_permissions();
  p->set_role(role);
  p->mutable_cache_selector()->set_cache_name(cache.data(), cache.size());
  p->mutable_topic_selector()->set_topic_name(topic.data(), topic.size());
}

}  // namespace

cache_client::pubsub::_PublishRequest make_publish(std::string_view cache, std::string_view topic,
                                                   const store::TopicValue& value) {
  cache_client::pubsub::_PublishRequest m;
  m.set_cache_name(cache.data(), cache.size());
  m.set_topic(topic.data(), topic.size());
  set_value(*m.mutable_value(), value);
  return m;
}

cache_client::pubsub::_SubscriptionRequest make_subscribe(std::string_view cache,
                                                          std::string_view topic,
                                                          store::SubscribePosition from) {
  cache_client::pubsub::_SubscriptionRequest m;
  m.set_cache_name(cache.data(), cache.size());
  m.set_topic(topic.data(), topic.size());
  m.set_resume_at_topic_sequence_number(from.sequence_number);
  m.set_sequence_page(from.sequence_page);
  return m;
}

result<std::optional<store::SubscriptionEvent>> read_subscription_item(std::string_view bytes) {
  auto m = parse<cache_client::pubsub::_SubscriptionItem>(bytes);
  if (!m) return m.error();
  using Item = cache_client::pubsub::_SubscriptionItem;
  switch (m->kind_case()) {
    case Item::kItem: {
      const auto& item = m->item();
      store::TopicItem out;
      out.topic_sequence_number = item.topic_sequence_number();
      out.sequence_page = item.sequence_page();
      out.value = to_port(item.value());
      out.publisher_id = item.publisher_id();
      return std::optional<store::SubscriptionEvent>(std::move(out));
    }
    case Item::kDiscontinuity: {
      const auto& d = m->discontinuity();
      return std::optional<store::SubscriptionEvent>(store::Discontinuity{
          d.last_topic_sequence(), d.new_topic_sequence(), d.new_sequence_page()});
    }
    default:  // heartbeat, or a kind newer than this code: nothing for the subscriber
      return std::optional<store::SubscriptionEvent>();
  }
}

token::_GenerateDisposableTokenRequest make_generate_disposable_token(const ViewerTokenRequest& r) {
  token::_GenerateDisposableTokenRequest m;
  const auto seconds =
      std::clamp<std::int64_t>(r.valid_for.count(), 0, std::numeric_limits<std::uint32_t>::max());
  m.mutable_expires()->set_valid_for_seconds(static_cast<std::uint32_t>(seconds));
  m.set_auth_token(r.auth_token.data(), r.auth_token.size());
  auto* permissions = m.mutable_permissions()->mutable_explicit_();
  add_topic_permission(*permissions, permission_messages::TopicWriteOnly, r.cache,
                       r.heartbeat_topic);
  add_topic_permission(*permissions, permission_messages::TopicReadOnly, r.cache, r.count_topic);
  if (!r.token_id.empty()) m.set_token_id(r.token_id.data(), r.token_id.size());
  return m;
}

result<DisposableToken> read_generate_disposable_token(std::string_view bytes) {
  auto m = parse<token::_GenerateDisposableTokenResponse>(bytes);
  if (!m) return m.error();
  if (m->api_key().empty() || m->endpoint().empty()) return malformed();
  return DisposableToken{m->api_key(), m->endpoint(), m->valid_until()};
}

std::string browser_token(const DisposableToken& token) {
  // Key order as the JS SDK writes it; parsers do not care.
  boost::json::object o;
  o["endpoint"] = token.endpoint;
  o["api_key"] = token.api_key;
  return detail::base64_encode(boost::json::serialize(o));
}

}  // namespace streampulse::momento
