// RedisStore's mirror: each topic's Redis Stream read into this instance's embedded topics.
#include "redis_store_impl.hpp"

#include "streampulse/core/error.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <charconv>

namespace streampulse::redis {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using store::awaitable;
using store::result;

namespace {

std::uint64_t parse_u64(std::string_view s, bool& ok) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  ok = ok && ec == std::errc() && end == s.data() + s.size() && !s.empty();
  return v;
}

}  // namespace

namespace detail {

std::optional<store::SubscribePosition> parse_entry_id(std::string_view id) {
  const auto dash = id.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  bool ok = true;
  store::SubscribePosition p;
  p.sequence_page = parse_u64(id.substr(0, dash), ok);
  p.sequence_number = parse_u64(id.substr(dash + 1), ok);
  if (!ok) return std::nullopt;
  return p;
}

std::vector<store::TopicItem> items_of(const Reply& entries) {
  std::vector<store::TopicItem> out;
  if (entries.type != Reply::Type::array) return out;
  out.reserve(entries.elements.size());
  for (const auto& e : entries.elements) {
    if (e.type != Reply::Type::array || e.elements.size() != 2) continue;
    const auto id = parse_entry_id(e.elements[0].str);
    // Numbers start at 1; an entry numbered 0 is not one of ours.
    if (!id || id->sequence_number == 0) continue;
    store::TopicItem item;
    item.topic_sequence_number = id->sequence_number;
    item.sequence_page = id->sequence_page;
    const auto& fields = e.elements[1].elements;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
      const auto& name = fields[i].str;
      if (name == "v") {
        item.value.data = fields[i + 1].str;
      } else if (name == "b") {
        item.value.binary = fields[i + 1].str == "1";
      } else if (name == "p") {
        item.publisher_id = fields[i + 1].str;
      } else if (name == "o") {
        item.origin = fields[i + 1].str;
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace detail

awaitable<result<void>> RedisStore::Impl::mirror_topic(const std::string& topic) {
  {
    std::lock_guard lock(mutex);
    if (mirrored.contains(topic)) co_return result<void>{};
    if (mirrored.size() >= settings.max_topics) co_return make_error_code(errc::resource_exhausted);
  }
  std::vector<Command> cmds{Command{"XREVRANGE", key('t', topic), "+", "-", "COUNT",
                                    std::to_string(settings.topic_history)}};
  auto done = co_await call(std::move(cmds), true);
  if (!done) co_return done.error();
  auto items = detail::items_of(done->front());
  std::reverse(items.begin(), items.end());
  std::string last = "0-0";
  if (!items.empty()) {
    last = std::to_string(items.back().sequence_page) + "-" +
           std::to_string(items.back().topic_sequence_number);
  }
  auto added = topics.mirror(topic, std::move(items));  // creates it even when empty
  if (!added) co_return added.error();
  std::lock_guard lock(mutex);
  mirrored.emplace(topic, last);  // a concurrent first poll may have been first: same thing
  co_return result<void>{};
}

awaitable<void> RedisStore::Impl::run_mirror() {
  auto self = shared_from_this();
  bool failing = false;
  while (!stopped) {
    Command cmd{"XREAD",  "COUNT", "1000", "BLOCK", std::to_string(settings.mirror_block.count()),
                "STREAMS"};
    std::vector<std::string> names;
    {
      std::lock_guard lock(mutex);
      for (const auto& [name, last] : mirrored) {
        names.push_back(name);
        cmd.push_back(key('t', name));
      }
      for (const auto& [name, last] : mirrored) cmd.push_back(last);
    }
    if (names.empty()) {
      mirror_idle.expires_after(milliseconds(50));
      boost::system::error_code ec;
      co_await mirror_idle.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    std::vector<Command> cmds{std::move(cmd)};
    ++commands_sent;
    auto read = co_await blocking.exec(std::move(cmds), settings.mirror_block + settings.budget);
    if (stopped) break;
    if (!read || read->front().is_error()) {
      if (!failing) {
        spdlog::warn("redis: reading the topics failed ({}); retrying",
                     read ? read->front().str : read.error().code.message());
      }
      failing = true;
      mirror_idle.expires_after(milliseconds(200));
      boost::system::error_code ec;
      co_await mirror_idle.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (failing) spdlog::info("redis: reading the topics again");
    failing = false;
    const Reply& r = read->front();
    if (r.type != Reply::Type::array) continue;  // nil: nothing new within the block
    std::size_t entries_read = 0;
    for (const auto& stream : r.elements) {
      if (stream.type != Reply::Type::array || stream.elements.size() != 2) continue;
      const std::string& k = stream.elements[0].str;
      if (k.size() <= prefix.size() + 2) continue;
      const std::string topic = k.substr(prefix.size() + 2);  // "{cache}:t:" + name
      auto items = detail::items_of(stream.elements[1]);
      // The id read last, even if it was not an item of ours: the next read starts after it.
      const auto& entries = stream.elements[1].elements;
      entries_read += entries.size();
      if (entries.empty() || entries.back().elements.empty()) continue;
      const std::string last = entries.back().elements[0].str;
      (void)topics.mirror(topic, std::move(items));
      std::lock_guard lock(mutex);
      if (auto it = mirrored.find(topic); it != mirrored.end()) it->second = last;
    }
    // A read that brought a few entries is followed by a short pause: every publish wakes every
    // instance's blocked read, and a new read per entry would be most of Redis's commands at a
    // big audience. 5 ms gathers the next entries (at most 200 reads a second per instance)
    // for that much delay on the other instances' deliveries.
    if (entries_read < 64) {
      mirror_idle.expires_after(milliseconds(5));
      boost::system::error_code ec;
      co_await mirror_idle.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
}

awaitable<result<std::vector<store::SubscriptionEvent>>> RedisStore::topic_poll(
    std::string_view topic, store::SubscribePosition from, milliseconds max_wait) {
  auto impl = impl_;  // alive for the whole poll
  const std::string name(topic);
  if (name.empty()) co_return make_error_code(errc::invalid_argument);
  if (impl->stopped) co_return std::vector<store::SubscriptionEvent>{};
  auto mirrored = co_await impl->mirror_topic(name);
  if (!mirrored) co_return mirrored.error();
  // A subscriber ahead of this instance's mirror (it read the topic through another instance a
  // moment ago) waits for the mirror rather than being told it skipped messages.
  if (from.sequence_number > 0) {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (int i = 0; i < 100 && !impl->stopped; ++i) {
      const auto pos = impl->topics.position(name);
      if (!pos || pos->sequence_page != from.sequence_page ||
          from.sequence_number <= pos->sequence_number)
        break;
      pause.expires_after(milliseconds(10));
      boost::system::error_code ec;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  co_return co_await impl->topics.topic_poll(name, from, max_wait);
}

}  // namespace streampulse::redis
