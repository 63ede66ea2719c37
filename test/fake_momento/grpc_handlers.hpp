#pragma once
// The gRPC-Web methods of cache_client.Scs (and Pubsub/Publish), one function each. Private to
// test/fake_momento; grpc_scs.cpp routes to them after the header checks.
#include "grpc_util.hpp"
#include "state.hpp"

#include "momento_proto/cacheclient.pb.h"
#include "momento_proto/cachepubsub.pb.h"

#include <boost/asio/awaitable.hpp>

namespace streampulse::testing::fake {

// One checked call: credentials and cache header are fine; `message` is the request's bytes.
struct Call {
  State& state;
  const http::Request& req;
  Mode mode;
  std::string message;
};

using boost::asio::awaitable;

// The answer to a request message that does not parse.
http::Response malformed(const Call& call);
// The answer to a store failure.
http::Response store_error(const Call& call, const boost::system::error_code& ec);

template <class Message>
http::Response ok(const Call& call, const Message& m) {
  return grpc_ok(call.req, call.mode, m);
}

awaitable<http::Response> sorted_set_put(Call& call);
awaitable<http::Response> sorted_set_fetch(Call& call);
awaitable<http::Response> sorted_set_length_by_score(Call& call);
awaitable<http::Response> sorted_set_remove(Call& call);

awaitable<http::Response> dictionary_set(Call& call);
awaitable<http::Response> dictionary_fetch(Call& call);
awaitable<http::Response> dictionary_get(Call& call);
awaitable<http::Response> dictionary_length(Call& call);
awaitable<http::Response> dictionary_delete(Call& call);
awaitable<http::Response> dictionary_increment(Call& call);

}  // namespace streampulse::testing::fake
