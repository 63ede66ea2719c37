// The webhook path as api/webhook.cpp runs it: signature check over the raw body, then the
// event and its replay window, then the heartbeat in `text`. Input: "<signature>\n<body>".
// The event parser is fuzzed even when the signature fails: the fuzzer cannot forge HMACs.
#include "fuzz_check.hpp"
#include "streampulse/core/heartbeat.hpp"
#include "streampulse/core/webhook.hpp"

#include <cctype>
#include <string>

using namespace streampulse;

namespace {

const core::WebhookVerifier& verifier() {
  static const core::WebhookVerifier v({"current-secret", "previous-secret"});
  return v;
}

constexpr core::EpochMs kNow = 1'700'000'000'000;
constexpr core::EpochMs kWindow = 60'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto fields = fuzz::split_fields(fuzz::as_view(data, size), 2);
  const auto signature = fields[0];
  const auto body = fields[1];

  // A forged signature never passes; the real one passes in either hex case.
  if (verifier().verify(body, signature)) {
    std::string lower(signature);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    FUZZ_CHECK(lower == core::sign_webhook_body("current-secret", body) ||
               lower == core::sign_webhook_body("previous-secret", body));
  }
  const auto good = core::sign_webhook_body("previous-secret", body);
  FUZZ_CHECK(good.size() == 64);
  FUZZ_CHECK(verifier().verify(body, good));

  auto event = core::parse_webhook_event(body, kNow, kWindow);
  if (!event) return 0;
  FUZZ_CHECK(event->publish_timestamp >= kNow - kWindow);
  FUZZ_CHECK(event->publish_timestamp <= kNow + kWindow);
  FUZZ_CHECK(event->event_timestamp >= 0);
  (void)core::parse_heartbeat(event->text);
  return 0;
}
