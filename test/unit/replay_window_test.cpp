// The webhook's replay memory: every event within the 60 s window is remembered, whatever else
// passes meanwhile; entries leave with their window; the count is bounded.
#include "streampulse/core/replay_window.hpp"
#include "streampulse/core/webhook.hpp"

#include <gtest/gtest.h>

using namespace streampulse::core;

namespace {
constexpr EpochMs kNow = 1'700'000'000'000;
std::string sig(int i) { return sign_webhook_body("secret", "event " + std::to_string(i)); }
}  // namespace

TEST(ReplayWindow, AReplayWithinTheWindowIsAlwaysKnown) {
  ReplayWindow w;
  const std::string captured = sig(0);
  ASSERT_EQ(w.see(captured, kNow, kNow), ReplayWindow::Verdict::first);
  // 20,000 other events meanwhile (more than the old 16k ring held).
  for (int i = 1; i <= 20'000; ++i)
    ASSERT_EQ(w.see(sig(i), kNow + 1, kNow + 1), ReplayWindow::Verdict::first);
  EXPECT_EQ(w.see(captured, kNow, kNow + 59'999), ReplayWindow::Verdict::replay);
  EXPECT_EQ(w.see(captured, kNow, kNow + 60'000), ReplayWindow::Verdict::replay);
}

TEST(ReplayWindow, TheHexCaseOfTheSignatureDoesNotHideAReplay) {
  ReplayWindow w;
  std::string s = sig(1);
  ASSERT_EQ(w.see(s, kNow, kNow), ReplayWindow::Verdict::first);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(w.see(s, kNow, kNow), ReplayWindow::Verdict::replay);
}

TEST(ReplayWindow, EntriesLeaveWithTheirWindow) {
  ReplayWindow w;
  // Published 30 s ago: stale 30 s from now, when the parser refuses it anyway.
  ASSERT_EQ(w.see(sig(1), kNow - 30'000, kNow), ReplayWindow::Verdict::first);
  // Published 50 s ahead (allowed): remembered until 110 s from now.
  ASSERT_EQ(w.see(sig(2), kNow + 50'000, kNow), ReplayWindow::Verdict::first);
  EXPECT_EQ(w.size(), 2u);
  w.see(sig(3), kNow + 31'000, kNow + 31'000);
  EXPECT_EQ(w.size(), 2u);  // the first left, the third came
  w.see(sig(4), kNow + 112'000, kNow + 112'000);
  EXPECT_EQ(w.size(), 1u);
}

TEST(ReplayWindow, WhenFullANewEventIsRefusedNotAnOldOneForgotten) {
  ReplayWindow w({.window_ms = 60'000, .capacity = 3});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(w.see(sig(i), kNow, kNow), ReplayWindow::Verdict::first);
  EXPECT_EQ(w.see(sig(9), kNow, kNow), ReplayWindow::Verdict::full);
  EXPECT_EQ(w.see(sig(0), kNow, kNow + 1), ReplayWindow::Verdict::replay);
  // Past the window there is room again.
  EXPECT_EQ(w.see(sig(9), kNow + 61'000, kNow + 61'000), ReplayWindow::Verdict::first);
}
