#include "state.hpp"

#include "momento/base64.hpp"

#include <boost/json.hpp>

namespace streampulse::testing::fake {

namespace {

embedded::Limits store_limits(const FakeMomentoOptions& o) {
  embedded::Limits limits;
  limits.max_message_bytes = o.max_topic_message_bytes;
  limits.topic_history = 1024;
  limits.max_waiting_polls = 4096;
  return limits;
}

}  // namespace

State::State(boost::asio::any_io_executor ex, FakeMomentoOptions o)
    : options(std::move(o)),
      executor(ex),
      store(ex, clock, store_limits(options)),
      tokens(clock),
      scalars(options.max_item_bytes, options.max_scalar_total_bytes),
      webhook(ex, options) {}

std::string unwrap_credential(std::string_view credential) {
  // A v1 key / disposable token as handed out: base64 of {"endpoint","api_key"}.
  if (auto text = momento::detail::base64_decode(credential)) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(*text, ec);
    if (!ec && doc.is_object()) {
      if (const auto* key = doc.as_object().if_contains("api_key"); key && key->is_string())
        return std::string(key->as_string());
    }
  }
  return std::string(credential);
}

bool State::is_service_key(std::string_view credential) const {
  return !credential.empty() &&
         (credential == options.api_key || unwrap_credential(credential) == options.api_key);
}

boost::asio::awaitable<store::result<void>> State::publish(std::string topic,
                                                           store::TopicValue value,
                                                           std::string publisher_id) {
  const std::int64_t now = clock.now_ms();
  auto& log = published[topic];
  std::string text = value.data;
  auto done = co_await store.topic_publish(topic, std::move(value), publisher_id);
  if (!done) co_return done;
  log.push_back(text);
  if (log.size() > kPublishedKept) log.pop_front();
  if (webhook.enabled() && topic == options.webhook_topic) {
    // The store does not return the sequence number: a new subscriber's poll (no wait) yields
    // the latest retained message, which on this thread is the one just published.
    std::uint64_t sequence = 0;
    const store::SubscribePosition newest;  // named: no braced temporaries in co_await'ed calls
    auto latest = co_await store.topic_poll(topic, newest, std::chrono::milliseconds(0));
    if (latest && !latest->empty()) {
      if (const auto* item = std::get_if<store::TopicItem>(&latest->back()))
        sequence = item->topic_sequence_number;
    }
    webhook.send({options.cache, topic, now, sequence, std::move(publisher_id), std::move(text)});
  }
  co_return done;
}

}  // namespace streampulse::testing::fake
