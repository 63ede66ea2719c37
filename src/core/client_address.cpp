#include "streampulse/core/client_address.hpp"

#include <charconv>

namespace streampulse::core {

namespace ip = boost::asio::ip;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// IPv4-mapped IPv6 (::ffff:a.b.c.d, what a dual-stack listener reports) compares as IPv4.
ip::address normalize(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

bool parse_address(std::string_view text, ip::address& out) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(trim(text)), ec);
  if (ec) return false;
  out = normalize(a);
  return true;
}

// True when the first `prefix` bits of a and b agree (same family).
bool same_prefix(const ip::address& a, const ip::address& b, unsigned prefix) {
  if (a.is_v4() != b.is_v4()) return false;
  auto check = [prefix](const auto& x, const auto& y) {
    for (unsigned bit = 0; bit < prefix; ++bit) {
      const unsigned byte = bit / 8, shift = 7 - bit % 8;
      if (((x[byte] >> shift) & 1u) != ((y[byte] >> shift) & 1u)) return false;
    }
    return true;
  };
  if (a.is_v4()) return check(a.to_v4().to_bytes(), b.to_v4().to_bytes());
  return check(a.to_v6().to_bytes(), b.to_v6().to_bytes());
}

}  // namespace

boost::system::result<TrustedProxies, std::string> TrustedProxies::parse(
    const std::vector<std::string>& entries) {
  TrustedProxies out;
  for (const auto& raw : entries) {
    const std::string_view entry = trim(raw);
    Network n;
    const auto slash = entry.find('/');
    if (!parse_address(entry.substr(0, slash), n.base))
      return "'" + raw + "' is not an address or a network (a.b.c.d/n, x::/n)";
    const unsigned bits = n.base.is_v4() ? 32 : 128;
    n.prefix = bits;
    if (slash != std::string_view::npos) {
      const auto digits = entry.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n.prefix);
      if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() ||
          n.prefix > bits)
        return "'" + raw + "' has a bad prefix length";
    }
    out.networks_.push_back(n);
  }
  return out;
}

bool TrustedProxies::contains(const ip::address& a) const {
  const auto x = normalize(a);
  for (const auto& n : networks_) {
    if (same_prefix(x, n.base, n.prefix)) return true;
  }
  return false;
}

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const TrustedProxies& trusted) {
  ip::address hop;
  if (trusted.empty() || !parse_address(peer, hop) || !trusted.contains(hop))
    return std::string(peer);
  // Right to left: each entry was appended by the hop to its right; stop at the first one
  // that no trusted proxy vouches for.
  std::string client(peer);
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    const auto entry =
        trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for =
        comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    if (!parse_address(entry, hop)) break;  // garbage: keep the last address we could trust
    client = hop.to_string();
    if (!trusted.contains(hop)) break;
  }
  return client;
}

}  // namespace streampulse::core
