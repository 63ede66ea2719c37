#pragma once
// The same behaviour tests run on both backends: the embedded store, and the Momento adapter
// pointed at a fake Momento that speaks the real wire formats (test/fake_momento).
#include "fake_momento.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

namespace streampulse::testing {

enum class Backend { embedded, momento };

std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

// The service on one backend; on Momento, with its own fake, started first.
class ServiceOn {
 public:
  explicit ServiceOn(Backend backend, const std::function<void(app::Config&)>& adjust = {},
                     FakeMomentoOptions fake_options = {});
  ~ServiceOn();

  unsigned short port() const { return server_->port(); }
  // Where viewers publish heartbeats and long-poll the count: the service itself on the
  // embedded backend, Momento's HTTP API (the fake) on Momento.
  unsigned short topics_port() const { return fake_ ? fake_->port() : server_->port(); }
  FakeMomento* fake() { return fake_.get(); }
  TestServer& server() { return *server_; }

 private:
  std::unique_ptr<FakeMomento> fake_;
  std::unique_ptr<TestServer> server_;
};

// test_config() on Momento at `fake`: a v1 key, every host at the fake's base URL.
app::Config momento_config(const FakeMomento& fake);

}  // namespace streampulse::testing
