#include "client_slot.hpp"

#include "streampulse/api/request_helpers.hpp"

#include <boost/json/serialize.hpp>

namespace streampulse::api {

namespace bh = boost::beast::http;

namespace {

http::Response too_many(const http::Request& req, std::string_view code, std::string message,
                        unsigned retry_after_s) {
  bh::response<bh::string_body> res{bh::status::too_many_requests, req.version()};
  res.set(bh::field::content_type, "application/json");
  res.set(bh::field::cache_control, "no-store");
  res.set(bh::field::retry_after, std::to_string(retry_after_s));
  res.keep_alive(req.keep_alive());
  res.body() = boost::json::serialize(boost::json::object{{"error", code}, {"message", message}});
  res.prepare_payload();
  return res;
}

}  // namespace

ClientSlotTaken take_client_slot(core::ClientSlots& slots, const service::Services& s,
                                 const http::RequestContext& ctx, std::string_view code,
                                 std::string_view what, unsigned retry_after_s) {
  ClientSlotTaken out;
  auto taken = slots.acquire(client_of(s, ctx));
  if (taken.slot) {
    out.slot = std::move(taken.slot);
    return out;
  }
  const auto f = slots.figures();
  if (taken.refusal == core::ClientSlots::Refusal::per_client) {
    out.refusal = too_many(ctx.request, code,
                           "this client has " + std::to_string(f.per_client) + " open " +
                               std::string(what) + ", the most one client may hold; close one",
                           retry_after_s);
  } else {
    out.refusal = too_many(ctx.request, "resource_exhausted",
                           "too many clients hold open " + std::string(what) + " (" +
                               std::to_string(f.max_clients) + "); retry shortly",
                           retry_after_s);
  }
  return out;
}

}  // namespace streampulse::api
