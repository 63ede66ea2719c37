#include "backends.hpp"

namespace streampulse::testing {

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::embedded ? "Embedded" : "Momento";
}

app::Config momento_config(const FakeMomento& fake) {
  auto c = test_config();
  c.backend = "momento";
  c.cache = fake.options().cache;
  c.momento_api_key = fake.v1_api_key();
  c.momento_base_url = fake.base_url();
  c.momento_timeout_ms = 2000;
  return c;
}

ServiceOn::ServiceOn(Backend backend, const std::function<void(app::Config&)>& adjust,
                     FakeMomentoOptions fake_options) {
  app::Config config;
  if (backend == Backend::momento) {
    fake_ = std::make_unique<FakeMomento>(std::move(fake_options));
    config = momento_config(*fake_);
  } else {
    config = test_config();
  }
  if (adjust) adjust(config);
  server_ = std::make_unique<TestServer>(std::move(config));
}

ServiceOn::~ServiceOn() {
  server_.reset();  // the service first: its graceful stop still talks to the fake
  fake_.reset();
}

}  // namespace streampulse::testing
