#pragma once
// EmbeddedStore's state (collections, topics, waiting polls), private to src/embedded.
#include "streampulse/embedded/embedded_store.hpp"

#include "keyspace.hpp"
#include "sorted_set.hpp"
#include "topic.hpp"

#include "streampulse/core/error.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>
#include <utility>

namespace streampulse::embedded::detail {

using Dictionary = std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>;

inline boost::system::error_code error(errc e) { return make_error_code(e); }

// Pages are random so that a subscriber from a previous run of the process sees a new page and
// gets a discontinuity. Kept below 2^53 so they survive JavaScript numbers; never 0 ("none").
constexpr std::uint64_t kMaxPage = (std::uint64_t{1} << 53) - 1;

// Everything a suspended long-poll may touch after it wakes. Each poll holds a shared_ptr to it,
// so a store destroyed while polls are suspended leaves them a live (shut down) state.
struct State {
  State(boost::asio::any_io_executor ex, const core::Clock& c, Limits l)
      : executor(std::move(ex)), clock(c), limits(l) {}

  // The current time; also frees collections that have expired since the last call.
  core::EpochMs now() {
    const core::EpochMs t = clock.now_ms();
    sorted_sets.sweep(t);
    dictionaries.sweep(t);
    return t;
  }

  // `mirrored`: a topic numbered elsewhere starts on page 0 ("no page yet"), so a subscriber
  // waiting before its first item takes that item's page without a discontinuity.
  store::result<Topic*> topic(std::string_view name, bool mirrored = false) {
    if (auto it = topics.find(name); it != topics.end()) return it->second.get();
    if (topics.size() >= limits.max_topics) return error(errc::resource_exhausted);
    std::uniform_int_distribution<std::uint64_t> page(1, kMaxPage);
    auto created = std::make_unique<Topic>(mirrored ? 0 : page(rng), limits.topic_history);
    return topics.emplace(std::string(name), std::move(created)).first->second.get();
  }

  void shutdown() {
    std::vector<detail::WakeBatch> to_wake;
    {
      std::lock_guard lock(topic_mutex);
      stopped = true;
      for (auto& [name, topic] : topics) topic->take_all(to_wake);
    }
    detail::wake(std::move(to_wake));
  }

  boost::asio::any_io_executor executor;
  const core::Clock& clock;
  Limits limits;
  // The collections belong to `executor`'s thread.
  Keyspace<SortedSet> sorted_sets;
  Keyspace<Dictionary> dictionaries;
  // The topics are shared by every loop: publishes and long-polls come from the connections'
  // threads. Everything below is guarded by topic_mutex (topics are never removed, so a
  // Topic* stays valid).
  std::mutex topic_mutex;
  std::unordered_map<std::string, std::unique_ptr<Topic>, detail::StringHash, std::equal_to<>>
      topics;
  std::size_t waiting = 0;
  std::atomic<bool> stopped = false;
  std::mt19937_64 rng{std::random_device{}()};
};

}  // namespace streampulse::embedded::detail

namespace streampulse::embedded {

struct EmbeddedStore::Impl {
  std::shared_ptr<detail::State> state;
};

}  // namespace streampulse::embedded
