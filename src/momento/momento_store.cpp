// MomentoStore: construction, the Scs call helper, and the collections over gRPC-Web.
#include "momento_store_impl.hpp"

#include "streampulse/momento/messages.hpp"
#include "streampulse/momento/methods.hpp"

#include <spdlog/spdlog.h>

namespace streampulse::momento {

namespace asio = boost::asio;
using store::result;

void FailureLog::warn(std::string_view what, const GrpcStatus& status) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::seconds(1)) {
    ++suppressed_;
    return;
  }
  if (suppressed_ > 0) {
    spdlog::warn("momento: {} failed: {} ({} more failures in the last second)", what,
                 status.describe(), suppressed_);
  } else {
    spdlog::warn("momento: {} failed: {}", what, status.describe());
  }
  last_ = now;
  suppressed_ = 0;
}

namespace {

net::HttpClientOptions client_options(const MomentoSettings& s) {
  net::HttpClientOptions o;
  o.max_connections_per_host = s.max_connections_per_host;
  o.request_timeout = s.policy.budget;
  o.connect_timeout = std::min(s.policy.budget, std::chrono::milliseconds(3000));
  o.extra_ca_file = s.extra_ca_file;
  return o;
}

}  // namespace

MomentoStore::Impl::Impl(asio::any_io_executor ex, MomentoSettings s)
    : settings(std::move(s)),
      http(ex, client_options(settings)),
      cache_rpc(http, settings.credentials.hosts.web_cache, settings.mode, settings.policy),
      token_rpc(http, settings.credentials.hosts.web_token, settings.mode, settings.policy, "auth",
                false),
      stop_signal(ex, std::chrono::steady_clock::time_point::max()) {}

asio::awaitable<result<std::string>> MomentoStore::Impl::scs(std::string_view method,
                                                             std::string request_bytes) {
  auto r = co_await cache_rpc.call(method, std::move(request_bytes),
                                   settings.credentials.auth_token, settings.cache);
  if (!r.status.ok()) {
    failure_log.warn(method, r.status);
    co_return make_error_code(to_errc(r.status.code));
  }
  co_return std::move(r.message);
}

MomentoStore::MomentoStore(asio::any_io_executor ex, MomentoSettings settings)
    : impl_(std::make_unique<Impl>(ex, std::move(settings))) {
  spdlog::info("momento: cache '{}', {}, gRPC-Web {} mode", impl_->settings.cache,
               impl_->settings.credentials.describe(),
               impl_->settings.mode == grpc_web::Mode::binary ? "binary" : "text");
}

MomentoStore::~MomentoStore() { impl_->http.shutdown(); }

const MomentoSettings& MomentoStore::settings() const { return impl_->settings; }

BackendCounters MomentoStore::counters() const {
  BackendCounters c = impl_->http_counters;
  for (const auto* rpc : {&impl_->cache_rpc, &impl_->token_rpc}) {
    c.calls += rpc->counters().calls;
    c.failures += rpc->counters().failures;
    c.retries += rpc->counters().retries;
    c.throttled += rpc->counters().throttled;
  }
  return c;
}

// ---- sorted sets ----

store::awaitable<result<void>> MomentoStore::sorted_set_put(
    std::string_view set, std::vector<store::ScoredMember> elements, store::CollectionTtl ttl) {
  auto r = co_await impl_->scs(methods::kSortedSetPut,
                               make_sorted_set_put(set, elements, ttl).SerializeAsString());
  if (r.has_error()) co_return r.error();
  co_return result<void>{};
}

store::awaitable<result<std::vector<store::ScoredMember>>> MomentoStore::sorted_set_fetch_by_score(
    std::string_view set, store::ScoreRange range, std::optional<std::uint32_t> limit) {
  if (limit && *limit == 0) co_return std::vector<store::ScoredMember>{};
  auto r =
      co_await impl_->scs(methods::kSortedSetFetch,
                          make_sorted_set_fetch_by_score(set, range, limit).SerializeAsString());
  if (r.has_error()) co_return r.error();
  co_return read_sorted_set_fetch(*r);
}

store::awaitable<result<std::uint64_t>> MomentoStore::sorted_set_length_by_score(
    std::string_view set, store::ScoreRange range) {
  auto r = co_await impl_->scs(methods::kSortedSetLengthByScore,
                               make_sorted_set_length_by_score(set, range).SerializeAsString());
  if (r.has_error()) co_return r.error();
  co_return read_sorted_set_length_by_score(*r);
}

store::awaitable<result<void>> MomentoStore::sorted_set_remove(std::string_view set,
                                                               std::vector<std::string> values) {
  if (values.empty()) co_return result<void>{};
  auto r = co_await impl_->scs(methods::kSortedSetRemove,
                               make_sorted_set_remove(set, values).SerializeAsString());
  if (r.has_error()) co_return r.error();
  co_return result<void>{};
}

// ---- dictionaries ----

store::awaitable<result<void>> MomentoStore::dictionary_set(std::string_view dictionary,
                                                            std::vector<store::FieldValue> items,
                                                            store::CollectionTtl ttl) {
  if (items.empty()) co_return result<void>{};
  auto r = co_await impl_->scs(methods::kDictionarySet,
                               make_dictionary_set(dictionary, items, ttl).SerializeAsString());
  if (r.has_error()) co_return r.error();
  co_return result<void>{};
}

store::awaitable<result<std::vector<store::FieldValue>>> MomentoStore::dictionary_fetch(
    std::string_view dictionary) {
  auto r = co_await impl_->scs(methods::kDictionaryFetch,
                               make_dictionary_fetch(dictionary).SerializeAsString());
  if (r.has_error()) co_return r.error();
  co_return read_dictionary_fetch(*r);
}

store::awaitable<result<std::vector<std::optional<std::string>>>> MomentoStore::dictionary_get(
    std::string_view dictionary, std::vector<std::string> fields) {
  if (fields.empty()) co_return std::vector<std::optional<std::string>>{};
  auto r = co_await impl_->scs(methods::kDictionaryGet,
                               make_dictionary_get(dictionary, fields).SerializeAsString());
  if (r.has_error()) co_return r.error();
  co_return read_dictionary_get(*r, fields.size());
}

store::awaitable<result<std::uint64_t>> MomentoStore::dictionary_length(
    std::string_view dictionary) {
  auto r = co_await impl_->scs(methods::kDictionaryLength,
                               make_dictionary_length(dictionary).SerializeAsString());
  if (r.has_error()) co_return r.error();
  co_return read_dictionary_length(*r);
}

store::awaitable<result<void>> MomentoStore::dictionary_remove(std::string_view dictionary,
                                                               std::vector<std::string> fields) {
  if (fields.empty()) co_return result<void>{};
  auto r = co_await impl_->scs(methods::kDictionaryDelete,
                               make_dictionary_delete(dictionary, fields).SerializeAsString());
  if (r.has_error()) co_return r.error();
  co_return result<void>{};
}

}  // namespace streampulse::momento
