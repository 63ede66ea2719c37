#pragma once
// A per-client slot for a long-lived request (topic long-poll, dashboard stream), held for the
// request's life (core/client_slots.hpp), or the 429 answer when the client holds its share.
#include "streampulse/core/client_slots.hpp"
#include "streampulse/http/types.hpp"
#include "streampulse/service/services.hpp"

#include <optional>
#include <string_view>

namespace streampulse::api {

struct ClientSlotTaken {
  std::optional<core::ClientSlots::Slot> slot;
  std::optional<http::Response> refusal;
};

// A slot of `slots` for the request's client (api::client_of). Refused: 429 with Retry-After
// (`retry_after_s`) and the JSON error `code` (the client holds `slots`' per-client share of
// `what`) or "resource_exhausted" (the table of clients is full). Nothing changes on a refusal.
ClientSlotTaken take_client_slot(core::ClientSlots& slots, const service::Services& s,
                                 const http::RequestContext& ctx, std::string_view code,
                                 std::string_view what, unsigned retry_after_s);

}  // namespace streampulse::api
