#pragma once
// Injected faults: which requests they hit, how many remain, and the answer of a failed one.
#include "fake_momento.hpp"

#include "streampulse/http/types.hpp"

#include <optional>
#include <string_view>

namespace streampulse::testing::fake {

class FaultState {
 public:
  void set(Faults faults);
  void clear() { active_.reset(); }
  // The faults to apply to a request on `path`, consuming one of fail_count; nullopt: none.
  std::optional<Faults> take(std::string_view path);

 private:
  std::optional<Faults> active_;
};

// gRPC-Web routes (/cache_client.*, /token.*) fail with a status, the HTTP API with HTTP.
bool is_grpc_path(std::string_view path);

// The answer of a request failed by `faults` (see Faults::fail_status and Faults::message).
http::Response fault_response(const http::Request& req, std::string_view path,
                              const Faults& faults);

}  // namespace streampulse::testing::fake
