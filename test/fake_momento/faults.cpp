#include "faults.hpp"

#include "grpc_util.hpp"
#include "http_api.hpp"

namespace streampulse::testing::fake {

using momento::GrpcCode;

void FaultState::set(Faults faults) {
  if (faults.fail_count == 0) {
    active_.reset();
    return;
  }
  active_ = std::move(faults);
}

std::optional<Faults> FaultState::take(std::string_view path) {
  if (!active_ || !path.starts_with(active_->path_prefix)) return std::nullopt;
  Faults now = *active_;
  if (active_->fail_count > 0 && --active_->fail_count == 0) active_.reset();
  return now;
}

bool is_grpc_path(std::string_view path) {
  return path.starts_with("/cache_client.") || path.starts_with("/token.");
}

http::Response fault_response(const http::Request& req, std::string_view path,
                              const Faults& faults) {
  namespace bh = boost::beast::http;
  const int status = faults.fail_status;
  if (is_grpc_path(path)) {
    const auto mode = request_mode(req).value_or(momento::grpc_web::Mode::binary);
    const auto message = [&](std::string_view fallback) {
      return faults.message.empty() ? std::string(fallback) : faults.message;
    };
    switch (status) {
      case 429:
        return grpc_error(req, mode, GrpcCode::resource_exhausted, message("Request rate exceeded"),
                          "operations_rate_limit_exceeded");
      case 500:
        return grpc_error(req, mode, GrpcCode::internal, message("injected internal error"));
      case 503:
        return grpc_error(req, mode, GrpcCode::unavailable, message("injected unavailability"));
      case 504:
        return grpc_error(req, mode, GrpcCode::deadline_exceeded, message("injected deadline"));
      default:
        return grpc_error(req, mode, momento::code_for_http_status(status),
                          message("injected fault"));
    }
  }
  return api_text(req, static_cast<bh::status>(status),
                  status == 429 ? "{\"message\":\"Request rate exceeded.\"}"
                                : "{\"message\":\"injected fault\"}",
                  "application/json");
}

}  // namespace streampulse::testing::fake
