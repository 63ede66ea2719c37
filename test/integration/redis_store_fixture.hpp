#pragma once
// The RedisStoreTest fixture of the store-port tests on a real redis-server
// (redis_store_collections_test.cpp, redis_store_topics_test.cpp): a redis-server per test,
// RedisStores on it, one operation run at a time, and the sequence numbers of topic events. A
// named namespace: GoogleTest refuses a suite whose fixture types differ.
#include "../unit/run_awaitable.hpp"
#include "redis_server.hpp"
#include "streampulse/core/clock.hpp"
#include "streampulse/core/error.hpp"
#include "streampulse/redis/redis_store.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cmath>
#include <set>
#include <thread>

namespace streampulse::testing::redis_store_tests {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using store::CollectionTtl;
using store::ScoredMember;
using store::ScoreRange;

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!RedisServer::available(&why)) GTEST_SKIP() << why;
    redis_ = std::make_unique<RedisServer>();
    ASSERT_TRUE(redis_->ready());
  }

  std::unique_ptr<redis::RedisStore> make_store(std::string cache = "video") {
    redis::Options o;
    o.url = *redis::Url::parse(redis_->unix_url());
    redis::StoreSettings s;
    s.cache = std::move(cache);
    s.budget = 2000ms;
    s.topic_history = 8;
    s.mirror_block = 200ms;
    auto st = std::make_unique<redis::RedisStore>(io_.get_executor(), clock_, o, s);
    st->start();
    return st;
  }

  template <class T>
  T run(asio::awaitable<T> op) {
    return run_awaitable(io_, std::move(op));
  }

  // Lets the stores' background work (the mirror) run for a while.
  void pump(std::chrono::milliseconds d) {
    run([d]() -> asio::awaitable<int> {
      asio::steady_timer t(co_await asio::this_coro::executor, d);
      co_await t.async_wait(asio::use_awaitable);
      co_return 0;
    }());
  }

  asio::io_context io_;
  core::SystemClock clock_;
  std::unique_ptr<RedisServer> redis_;
};

inline std::vector<std::uint64_t> numbers(const std::vector<store::SubscriptionEvent>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) {
    if (const auto* item = std::get_if<store::TopicItem>(&e))
      out.push_back(item->topic_sequence_number);
  }
  return out;
}

}  // namespace streampulse::testing::redis_store_tests
