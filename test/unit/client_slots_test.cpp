// Per-client slots for long-polls and dashboard streams (issue 13).
#include "streampulse/core/client_slots.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace streampulse::core {
namespace {

TEST(ClientSlots, OneClientHoldsItsShareWhileAnotherStillGetsASlot) {
  ClientSlots slots(2, 10);
  auto a1 = slots.acquire("10.0.0.1");
  auto a2 = slots.acquire("10.0.0.1");
  ASSERT_TRUE(a1.slot && a2.slot);
  auto a3 = slots.acquire("10.0.0.1");
  EXPECT_FALSE(a3.slot);
  EXPECT_EQ(a3.refusal, ClientSlots::Refusal::per_client);
  auto b = slots.acquire("10.0.0.2");
  EXPECT_TRUE(b.slot);
  auto f = slots.figures();
  EXPECT_EQ(f.clients, 2u);
  EXPECT_EQ(f.open, 3u);
  EXPECT_EQ(f.refused_per_client, 1u);
  // A released slot is the client's again.
  a1.slot.reset();
  EXPECT_TRUE(slots.acquire("10.0.0.1").slot);  // taken and released at once
  EXPECT_EQ(slots.figures().open, 2u);
}

TEST(ClientSlots, TheTableHoldsOnlyClientsWithASlotAndIsBounded) {
  ClientSlots slots(4, 2);
  auto a = slots.acquire("a");
  auto b = slots.acquire("b");
  auto c = slots.acquire("c");
  EXPECT_FALSE(c.slot);
  EXPECT_EQ(c.refusal, ClientSlots::Refusal::table_full);
  EXPECT_EQ(slots.figures().refused_table_full, 1u);
  EXPECT_TRUE(slots.acquire("a").slot);  // a client in the table still gets its share
  b.slot.reset();                        // b leaves the table
  EXPECT_EQ(slots.figures().clients, 1u);
  EXPECT_TRUE(slots.acquire("c").slot);
  a.slot.reset();
  EXPECT_EQ(slots.figures().clients, 0u);
  EXPECT_EQ(slots.figures().open, 0u);
}

TEST(ClientSlots, MovedSlotsReleaseOnceAndOutliveTheTable) {
  std::optional<ClientSlots::Slot> kept;
  {
    ClientSlots slots(1, 1);
    auto taken = slots.acquire("a");
    ClientSlots::Slot moved = std::move(*taken.slot);
    taken.slot.reset();  // the moved-from handle releases nothing
    EXPECT_EQ(slots.figures().open, 1u);
    ClientSlots::Slot other;
    other = std::move(moved);
    EXPECT_EQ(slots.figures().open, 1u);
    kept.emplace(std::move(other));
  }
  kept.reset();  // after the table: no crash (the handle shares the table's state)
}

TEST(ClientSlots, ReleasedFromManyThreads) {
  ClientSlots slots(1000, 10);
  std::vector<ClientSlots::Slot> held;
  for (int i = 0; i < 800; ++i) held.push_back(std::move(*slots.acquire("a").slot));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&held, t] {
      for (int i = t; i < 800; i += 4) held[static_cast<std::size_t>(i)].release();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(slots.figures().open, 0u);
  EXPECT_EQ(slots.figures().clients, 0u);
}

}  // namespace
}  // namespace streampulse::core
