#include "streampulse/core/client_address.hpp"

#include <gtest/gtest.h>

namespace streampulse::core {
namespace {

TrustedProxies proxies(std::vector<std::string> entries) {
  auto p = TrustedProxies::parse(entries);
  EXPECT_TRUE(p) << (p ? "" : p.error());
  return p ? *p : TrustedProxies{};
}

TEST(ClientAddress, PeerIsTheClientWithoutTrustedProxies) {
  EXPECT_EQ(client_address("203.0.113.9", "1.2.3.4", {}), "203.0.113.9");
}

TEST(ClientAddress, ForwardedForIsIgnoredFromAnUntrustedPeer) {
  auto t = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client_address("203.0.113.9", "1.2.3.4", t), "203.0.113.9");
}

TEST(ClientAddress, RightmostUntrustedEntryFromATrustedPeer) {
  auto t = proxies({"10.0.0.0/8", "192.168.1.5"});
  // The client forged "6.6.6.6" in front; the proxies appended the real hops.
  EXPECT_EQ(client_address("10.1.2.3", "6.6.6.6, 198.51.100.7, 192.168.1.5", t), "198.51.100.7");
  EXPECT_EQ(client_address("10.1.2.3", "198.51.100.7", t), "198.51.100.7");
}

TEST(ClientAddress, TrustedPeerWithoutHeaderIsItself) {
  auto t = proxies({"127.0.0.1"});
  EXPECT_EQ(client_address("127.0.0.1", "", t), "127.0.0.1");
}

TEST(ClientAddress, GarbageEntryStopsTheWalk) {
  auto t = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client_address("10.0.0.1", "198.51.100.7, not-an-ip", t), "10.0.0.1");
}

TEST(ClientAddress, MappedV4AndV6Networks) {
  auto t = proxies({"10.0.0.0/8", "fd00::/8"});
  EXPECT_EQ(client_address("::ffff:10.0.0.1", "198.51.100.7", t), "198.51.100.7");
  EXPECT_EQ(client_address("fd12::1", "2001:db8::5", t), "2001:db8::5");
  EXPECT_EQ(client_address("fe80::1", "2001:db8::5", t), "fe80::1");
}

TEST(ClientAddress, BadEntriesAreNamed) {
  auto bad = TrustedProxies::parse({"10.0.0.0/33"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("10.0.0.0/33"), std::string::npos);
  EXPECT_FALSE(TrustedProxies::parse({"proxy.local"}));
  EXPECT_FALSE(TrustedProxies::parse({"10.0.0.0/"}));
}

}  // namespace
}  // namespace streampulse::core
