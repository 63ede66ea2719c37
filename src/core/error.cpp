#include "streampulse/core/error.hpp"

#include <string>

namespace streampulse {
namespace {

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "streampulse"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "ok";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::unauthenticated:
        return "unauthenticated";
      case errc::permission_denied:
        return "permission denied";
      case errc::not_found:
        return "not found";
      case errc::payload_too_large:
        return "payload too large";
      case errc::resource_exhausted:
        return "resource exhausted";
      case errc::unavailable:
        return "unavailable";
      case errc::deadline_exceeded:
        return "deadline exceeded";
      case errc::internal:
        return "internal error";
      case errc::too_many_players:
        return "too many players";
      case errc::backend_full:
        return "backend full: writes refused for want of memory";
    }
    return "unknown error";
  }
};

}  // namespace

const boost::system::error_category& streampulse_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace streampulse
