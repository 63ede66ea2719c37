// Topics on Redis Streams (docs/redis.md, "Topics"): the publish script, EVALSHA, the lease.
#include "redis_store_impl.hpp"

#include "streampulse/core/error.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace streampulse::redis {

using std::chrono::milliseconds;
using store::awaitable;
using store::result;

namespace {

// One publish, atomically: the next number of the stream's page, or a new page when the stream
// is new or has lost entries the publisher has seen (a Redis restart from an older snapshot, a
// failover): a subscriber's numbers are then never reused for other messages.
//   KEYS[1] the stream
//   ARGV[1] page for a new stream (the publisher's clock, ms, past any page it has seen)
//   ARGV[2] entries kept (MAXLEN ~)   ARGV[3] the stream's TTL (ms)
//   ARGV[4] value   ARGV[5] binary (0/1)   ARGV[6] publisher id
//   ARGV[7] the last entry id the publisher holds of this stream ("0-0": none)
//   ARGV[8] the publishing instance
// Returns the new entry's id.
constexpr const char* kPublishScript = R"lua(
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local id
if #top == 0 then
  id = ARGV[1] .. '-1'
else
  local p, s = string.match(top[1][1], '^(%d+)%-(%d+)$')
  local hp, hs = string.match(ARGV[7], '^(%d+)%-(%d+)$')
  if hp == p and tonumber(hs) > tonumber(s) then
    id = string.format('%d-1', math.max(tonumber(ARGV[1]), tonumber(p) + 1))
  else
    id = p .. '-*'
  end
end
id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], id, 'v', ARGV[4], 'b', ARGV[5], 'p', ARGV[6],
                'o', ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return id
)lua";

// Take the lease when free, renew it when held by ARGV[1]; 1 when ARGV[1] holds it after.
constexpr const char* kHoldLeaseScript = R"lua(
local v = redis.call('GET', KEYS[1])
if v == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua";

constexpr const char* kReleaseLeaseScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua";

std::string sha1_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

awaitable<result<void>> RedisStore::topic_publish(std::string_view topic, store::TopicValue value,
                                                  std::string publisher_id) {
  Impl& m = *impl_;
  if (topic.empty()) co_return make_error_code(errc::invalid_argument);
  if (value.data.size() > m.settings.max_message_bytes)
    co_return make_error_code(errc::payload_too_large);
  std::string held = "0-0";
  {
    std::lock_guard lock(m.mutex);
    if (auto it = m.mirrored.find(topic); it != m.mirrored.end()) held = it->second;
  }
  // A new stream's page: this clock's milliseconds, and past any page seen, so the new page is
  // the larger one whichever instance's clock is behind.
  std::uint64_t page = static_cast<std::uint64_t>(m.clock.now_ms());
  if (auto seen = detail::parse_entry_id(held)) page = std::max(page, seen->sequence_page + 1);
  const std::string k = m.key('t', topic);
  std::vector<std::string> keys{k};
  std::vector<std::string> args{std::to_string(page),
                                std::to_string(m.settings.topic_history),
                                std::to_string(m.settings.topic_ttl.count()),
                                value.data,
                                value.binary ? "1" : "0",
                                publisher_id,
                                held,
                                m.settings.instance_id};
  // Never retried once it may have run: a second copy would be a second message.
  auto done = co_await m.eval(kPublishScript, std::move(keys), std::move(args), false);
  if (!done) co_return done.error();
  const auto id = detail::parse_entry_id(done->str);
  if (!id) co_return make_error_code(errc::internal);
  // Straight into this instance's mirror when it is the very next entry: local subscribers
  // need not wait for the XREAD round trip. Otherwise the mirror brings it in order.
  if (auto pos = m.topics.position(topic);
      pos && pos->sequence_number == id->sequence_number &&
      (pos->sequence_page == id->sequence_page || pos->sequence_page == 0)) {
    std::vector<store::TopicItem> items(1);
    items[0].topic_sequence_number = id->sequence_number;
    items[0].sequence_page = id->sequence_page;
    items[0].value = std::move(value);
    items[0].publisher_id = std::move(publisher_id);
    items[0].origin = m.settings.instance_id;
    (void)m.topics.mirror(topic, std::move(items));
  }
  co_return result<void>{};
}

awaitable<result<Reply>> RedisStore::Impl::eval(const char* script, std::vector<std::string> keys,
                                                std::vector<std::string> args, bool idempotent) {
  std::string sha;
  {
    std::lock_guard lock(sha_mutex);
    auto& known = shas[script];
    if (known.empty()) known = sha1_hex(script);
    sha = known;
  }
  Command cmd{"EVALSHA", sha, std::to_string(keys.size())};
  for (auto& k : keys) cmd.push_back(std::move(k));
  for (auto& a : args) cmd.push_back(std::move(a));
  std::vector<Command> cmds{cmd};
  auto done = co_await call(std::move(cmds), idempotent);
  if (!done) co_return done.error();
  if (done->front().is_error()) {
    // NOSCRIPT (call() passes only that one through): Redis's script cache was emptied (a
    // restart, a failover, SCRIPT FLUSH). The script did not run: send it itself, once.
    cmd[0] = "EVAL";
    cmd[1] = script;
    std::vector<Command> again{std::move(cmd)};
    done = co_await call(std::move(again), idempotent);
    if (!done) co_return done.error();
    if (done->front().is_error()) co_return make_error_code(errc::internal);
  }
  co_return std::move(done->front());
}

awaitable<result<bool>> RedisStore::hold_lease(std::string_view name, std::string holder,
                                               milliseconds ttl) {
  std::vector<std::string> keys{impl_->prefix + "lease:" + std::string(name)};
  std::vector<std::string> args{std::move(holder), std::to_string(ttl.count())};
  auto done = co_await impl_->eval(kHoldLeaseScript, std::move(keys), std::move(args), true);
  // (result<bool> takes an error only in place: a bool is constructible from almost anything.)
  if (!done) co_return result<bool>(boost::system::in_place_error, done.error());
  co_return done->type == Reply::Type::integer && done->integer == 1;
}

awaitable<result<void>> RedisStore::release_lease(std::string_view name, std::string holder) {
  std::vector<std::string> keys{impl_->prefix + "lease:" + std::string(name)};
  std::vector<std::string> args{std::move(holder)};
  auto done = co_await impl_->eval(kReleaseLeaseScript, std::move(keys), std::move(args), true);
  if (!done) co_return done.error();
  co_return result<void>{};
}

}  // namespace streampulse::redis
