#include "topic.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <utility>

namespace streampulse::embedded::detail {

Topic::Topic(std::uint64_t sequence_page, std::size_t history)
    : page_(sequence_page), history_limit_(std::max<std::size_t>(history, 1)) {}

// Waiters still linked (their coroutines suspended) must not point back at a freed list.
Topic::~Topic() {
  for (auto& g : groups_) g->waiters.clear();
}

void Topic::publish(store::TopicValue value, std::string publisher_id,
                    std::vector<WakeBatch>& wake) {
  history_.push_back({next_seq_, page_, std::move(value), std::move(publisher_id), {}});
  ++next_seq_;
  while (history_.size() > history_limit_) history_.pop_front();
  take_all(wake);
}

bool Topic::mirror(store::TopicItem item, std::vector<WakeBatch>& wake) {
  if (item.sequence_page != page_) {
    page_ = item.sequence_page;
    history_.clear();
    next_seq_ = item.topic_sequence_number;
  } else if (item.topic_sequence_number < next_seq_) {
    return false;  // held already (a re-read after a reconnect)
  } else if (item.topic_sequence_number > next_seq_) {
    history_.clear();  // the entries between were trimmed before this mirror saw them
    next_seq_ = item.topic_sequence_number;
  }
  next_seq_ = item.topic_sequence_number + 1;
  history_.push_back(std::move(item));
  while (history_.size() > history_limit_) history_.pop_front();
  take_all(wake);
  return true;
}

void Topic::add_waiter(Waiter& waiter) {
  const auto executor = waiter.timer.get_executor();
  for (auto& g : groups_) {
    if (g->executor == executor) {
      g->waiters.push_back(waiter);
      return;
    }
  }
  groups_.push_back(std::make_unique<Group>(Group{executor, {}}));
  groups_.back()->waiters.push_back(waiter);
}

void Topic::remove_waiter(Waiter& waiter) {
  if (!waiter.is_linked()) return;
  for (auto& g : groups_) {
    if (g->executor == waiter.timer.get_executor()) {
      g->waiters.erase(g->waiters.iterator_to(waiter));
      return;
    }
  }
}

void Topic::take_all(std::vector<WakeBatch>& wake) {
  for (auto& g : groups_) {
    if (g->waiters.empty()) continue;
    WakeBatch batch{g->executor, {}};
    for (Waiter& w : g->waiters) batch.waiters.push_back(w.shared_from_this());
    g->waiters.clear();
    wake.push_back(std::move(batch));
  }
}

namespace {

// A loop's waiters are woken in chunks, paced: a count published to thousands of subscribers
// would otherwise be thousands of answers, and as many new polls, in one burst, and every
// heartbeat arriving meanwhile would wait behind all of them (p99 of 250-300 ms at 8,000
// viewers on 2 cores with the whole burst at once). Paced at 10,000 wake-ups a second per loop
// (64 every 6.4 ms), a heartbeat waits behind one chunk; the whole fan-out of one loop takes at
// most kMostSpread (docs/api.md: freshness), the steps shrinking when there are more.
constexpr std::size_t kWakeChunk = 64;
constexpr auto kChunkStep = std::chrono::microseconds(6400);
constexpr auto kMostSpread = std::chrono::milliseconds(500);

using Chunk = std::vector<std::shared_ptr<Waiter>>;

void wake_chunk(const Chunk& chunk) {
  for (const auto& w : chunk) w->timer.cancel();
}

}  // namespace

void wake(std::vector<WakeBatch> batches) {
  for (auto& b : batches) {
    std::vector<Chunk> chunks;
    for (std::size_t at = 0; at < b.waiters.size(); at += kWakeChunk) {
      const auto end = std::min(b.waiters.size(), at + kWakeChunk);
      chunks.emplace_back(b.waiters.begin() + static_cast<std::ptrdiff_t>(at),
                          b.waiters.begin() + static_cast<std::ptrdiff_t>(end));
    }
    const auto step = std::min<std::chrono::microseconds>(
        kChunkStep, std::chrono::microseconds(kMostSpread) / chunks.size());
    // On the waiters' own loop: the first chunk now, the others by a timer of that loop.
    boost::asio::post(
        b.executor, [executor = b.executor, step, chunks = std::move(chunks)]() mutable {
          wake_chunk(chunks.front());
          for (std::size_t k = 1; k < chunks.size(); ++k) {
            auto timer = std::make_shared<boost::asio::steady_timer>(executor, step * k);
            timer->async_wait([timer, chunk = std::move(chunks[k])](boost::system::error_code) {
              wake_chunk(chunk);
            });
          }
        });
  }
}

std::vector<store::SubscriptionEvent> Topic::gap_then_history(std::uint64_t last_seen) const {
  std::vector<store::SubscriptionEvent> out;
  out.reserve(history_.size() + 1);
  const std::uint64_t resume_at =
      history_.empty() ? next_seq_ : history_.front().topic_sequence_number;
  out.emplace_back(store::Discontinuity{last_seen, resume_at, page_});
  out.insert(out.end(), history_.begin(), history_.end());
  return out;
}

std::vector<store::SubscriptionEvent> Topic::events_for(store::SubscribePosition from) const {
  if (from.sequence_number == 0) {
    if (history_.empty()) return {};
    return {history_.back()};
  }
  const std::uint64_t last_seen = from.sequence_number - 1;
  // A different page is a different incarnation of the topic (e.g. before a restart); so is a
  // position past the end on this page. Either way the subscriber's numbers mean nothing here.
  // Page 0 means "no page yet": the numbers are taken on the current page.
  if ((from.sequence_page != 0 && from.sequence_page != page_) ||
      from.sequence_number > next_seq_) {
    return gap_then_history(last_seen);
  }
  if (from.sequence_number == next_seq_) return {};
  // Here from.sequence_number < next_seq_, so the history is not empty (at least 1 is kept).
  const std::uint64_t oldest = history_.front().topic_sequence_number;
  if (from.sequence_number < oldest) return gap_then_history(last_seen);
  auto first = history_.begin() + static_cast<std::ptrdiff_t>(from.sequence_number - oldest);
  return std::vector<store::SubscriptionEvent>(first, history_.end());
}

}  // namespace streampulse::embedded::detail
