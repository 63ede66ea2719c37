#pragma once
// Who a request comes from, for per-client bounds (token issuance, long-poll and dashboard
// stream slots). The peer address, unless the peer is a proxy the operator trusts
// (STREAMPULSE_TRUSTED_PROXIES): then the client is the rightmost X-Forwarded-For entry that
// is not itself a trusted proxy. Entries left of it are the client's own claims and are never
// believed (a client can send any X-Forwarded-For it likes).
#include <boost/asio/ip/address.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace streampulse::core {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Each entry an address ("10.0.0.7", "::1") or a network ("10.0.0.0/8", "fd00::/8").
  // An error names the entry that is neither.
  static boost::system::result<TrustedProxies, std::string> parse(
      const std::vector<std::string>& entries);

  bool empty() const { return networks_.empty(); }
  bool contains(const boost::asio::ip::address& a) const;

 private:
  struct Network {
    boost::asio::ip::address base;
    unsigned prefix = 0;
  };
  std::vector<Network> networks_;
};

// The client's address as text. `peer`: the connection's peer address as text;
// `forwarded_for`: the X-Forwarded-For header's value (empty when absent).
std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const TrustedProxies& trusted);

}  // namespace streampulse::core
