// The long-poll query of GET /topics/{cache}/{topic}, on targets parsed as the session does
// (parse_origin_form). Accepted values must be what the query literally says.
#include "fuzz_check.hpp"
#include "streampulse/api/subscribe_query.hpp"

#include <boost/url/parse.hpp>

#include <string>

using namespace streampulse;

namespace {

// An independent reading of one decimal parameter: digits only, no overflow.
bool plain_decimal(const std::string& s, std::uint64_t& out) {
  if (s.empty()) return false;
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return false;  // leading zeros are fine, overflow is not
    n = n * 10 + d;
  }
  out = n;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto target = boost::urls::parse_origin_form(fuzz::as_view(data, size));
  if (!target) return 0;
  const auto query = api::parse_subscribe_query(*target);

  bool expect_ok = true;
  std::uint64_t expected[2] = {0, 0};
  const char* keys[2] = {"sequence_number", "sequence_page"};
  for (int i = 0; i < 2; ++i) {
    auto it = target->params().find(keys[i]);
    if (it != target->params().end() && !plain_decimal((*it).value, expected[i])) expect_ok = false;
  }
  FUZZ_CHECK(query.has_value() == expect_ok);
  if (query) {
    FUZZ_CHECK(query->sequence_number == expected[0]);
    FUZZ_CHECK(query->sequence_page == expected[1]);
  }
  return 0;
}
