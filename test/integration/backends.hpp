#pragma once
// The same behaviour tests run on every backend: the embedded store, the Momento adapter
// pointed at a fake Momento that speaks the real wire formats (test/fake_momento), and the
// Redis adapter on a real redis-server started for the test (redis_server.hpp).
#include "fake_momento.hpp"
#include "redis_server.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

namespace streampulse::testing {

enum class Backend { embedded, momento, redis };

// Every backend the tests can run here: Redis only where redis-server is installed.
std::vector<Backend> all_backends();

std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

// The service on one backend; on Momento, with its own fake, started first; on Redis, with its
// own redis-server (or the one given, shared by several instances).
class ServiceOn {
 public:
  explicit ServiceOn(Backend backend, const std::function<void(config::Config&)>& adjust = {},
                     FakeMomentoOptions fake_options = {}, RedisServer* shared_redis = nullptr);
  ~ServiceOn();

  unsigned short port() const { return server_->port(); }
  // Where viewers publish heartbeats and long-poll the count: the service itself on the
  // embedded backend, Momento's HTTP API (the fake) on Momento.
  unsigned short topics_port() const { return fake_ ? fake_->port() : server_->port(); }
  FakeMomento* fake() { return fake_.get(); }
  RedisServer* redis() { return redis_ ? redis_.get() : shared_redis_; }
  // The operator's credential on the topics: the admin token, or Momento's API key.
  std::string topics_admin_key() const;
  TestServer& server() { return *server_; }

 private:
  std::unique_ptr<FakeMomento> fake_;
  std::unique_ptr<RedisServer> redis_;
  RedisServer* shared_redis_ = nullptr;
  std::unique_ptr<TestServer> server_;
};

// test_config() on Momento at `fake`: a v1 key, every host at the fake's base URL.
config::Config momento_config(const FakeMomento& fake);
// test_config() on Redis at `redis` (its Unix socket).
config::Config redis_config(const RedisServer& redis);

}  // namespace streampulse::testing
