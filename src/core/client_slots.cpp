#include "streampulse/core/client_slots.hpp"

namespace streampulse::core {

ClientSlots::ClientSlots(std::size_t per_client, std::size_t max_clients)
    : state_(std::make_shared<State>()) {
  state_->per_client = per_client;
  state_->max_clients = max_clients;
}

ClientSlots::Taken ClientSlots::acquire(const std::string& client) {
  Taken out;
  std::lock_guard lock(state_->mutex);
  auto it = state_->open.find(client);
  if (it == state_->open.end()) {
    if (state_->open.size() >= state_->max_clients) {
      ++state_->refused_table_full;
      out.refusal = Refusal::table_full;
      return out;
    }
    it = state_->open.emplace(client, 0).first;
  } else if (it->second >= state_->per_client) {
    ++state_->refused_per_client;
    out.refusal = Refusal::per_client;
    return out;
  }
  ++it->second;
  ++state_->total;
  out.slot.emplace(Slot(state_, client));
  return out;
}

ClientSlots::Figures ClientSlots::figures() const {
  std::lock_guard lock(state_->mutex);
  return {state_->open.size(),        state_->total,
          state_->per_client,         state_->max_clients,
          state_->refused_per_client, state_->refused_table_full};
}

ClientSlots::Slot& ClientSlots::Slot::operator=(Slot&& o) noexcept {
  if (this != &o) {
    release();
    state_ = std::move(o.state_);
    client_ = std::move(o.client_);
  }
  return *this;
}

void ClientSlots::Slot::release() {
  if (!state_) return;
  {
    std::lock_guard lock(state_->mutex);
    // Only clients holding a slot stay in the table.
    if (auto it = state_->open.find(client_); it != state_->open.end() && --it->second == 0)
      state_->open.erase(it);
    --state_->total;
  }
  state_.reset();
}

}  // namespace streampulse::core
