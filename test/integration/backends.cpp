#include "backends.hpp"

namespace streampulse::testing {

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::embedded:
      return "Embedded";
    case Backend::momento:
      return "Momento";
    case Backend::redis:
      return "Redis";
  }
  return "Unknown";
}

std::vector<Backend> all_backends() {
  std::vector<Backend> all{Backend::embedded, Backend::momento};
  // CI installs redis-server (scripts/lib/deps.sh); a machine without it runs the others.
  if (RedisServer::available()) all.push_back(Backend::redis);
  return all;
}

config::Config redis_config(const RedisServer& redis) {
  auto c = test_config();
  c.backend = config::Backend::redis;
  c.redis_url = redis.unix_url();
  return c;
}

config::Config momento_config(const FakeMomento& fake) {
  auto c = test_config();
  c.backend = config::Backend::momento;
  c.cache = fake.options().cache;
  c.momento_api_key = fake.v1_api_key();
  c.momento_base_url = fake.base_url();
  c.momento_timeout_ms = 2000;
  return c;
}

ServiceOn::ServiceOn(Backend backend, const std::function<void(config::Config&)>& adjust,
                     FakeMomentoOptions fake_options, RedisServer* shared_redis)
    : shared_redis_(shared_redis) {
  config::Config config;
  if (backend == Backend::momento) {
    fake_ = std::make_unique<FakeMomento>(std::move(fake_options));
    config = momento_config(*fake_);
  } else if (backend == Backend::redis) {
    if (!shared_redis_) redis_ = std::make_unique<RedisServer>();
    config = redis_config(*redis());
  } else {
    config = test_config();
  }
  if (adjust) adjust(config);
  server_ = std::make_unique<TestServer>(std::move(config));
}

ServiceOn::~ServiceOn() {
  server_.reset();  // the service first: its graceful stop still talks to the fake or Redis
  fake_.reset();
  redis_.reset();
}

std::string ServiceOn::topics_admin_key() const {
  return fake_ ? fake_->options().api_key : std::string("test-admin");
}

}  // namespace streampulse::testing
