#pragma once
// The store port with a journal (STREAMPULSE_DATA_DIR, embedded backend): every entry written to
// the `analytics` dictionary is also appended to the journal with the time it was written, once
// the write succeeded. It journals exactly what the registry stored (the player's accumulated
// record, not the heartbeat's deltas), so replaying the journal gives back the same dictionary,
// whatever rules the registry applies. Everything else is passed through untouched
// (store::ForwardingStore).
#include "streampulse/core/clock.hpp"
#include "streampulse/persist/journal.hpp"
#include "streampulse/store/forwarding_store.hpp"

#include <memory>

namespace streampulse::persist {

class JournaledStore final : public store::ForwardingStore {
 public:
  JournaledStore(std::unique_ptr<store::Store> inner, std::string dictionary,
                 const core::Clock& clock)
      : ForwardingStore(std::move(inner)), dictionary_(std::move(dictionary)), clock_(clock) {}

  // Journals from now on; null: passes through only (before the restore).
  void attach(Journal* journal) { journal_ = journal; }

  // The one operation it intercepts; every other one is ForwardingStore's.
  store::awaitable<store::result<void>> dictionary_set(std::string_view dictionary,
                                                       std::vector<store::FieldValue> items,
                                                       store::CollectionTtl ttl) override;

 private:
  std::string dictionary_;
  const core::Clock& clock_;
  Journal* journal_ = nullptr;
};

}  // namespace streampulse::persist
