#pragma once
// Per-client slots for long-lived requests (topic long-polls, dashboard streams): one client
// (core/client_address.hpp) holds at most `per_client` at once, so no client can take every
// place of a global bound. The table holds only clients with an open slot, and at most
// `max_clients` of them. A slot is released when its handle is destroyed, which may happen on
// a connection's thread (where a streamed response ends): the table is behind a mutex.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace streampulse::core {

class ClientSlots {
  struct State {
    std::mutex mutex;
    std::unordered_map<std::string, std::size_t> open;  // client -> slots held (> 0)
    std::size_t per_client = 0, max_clients = 0, total = 0;
    std::uint64_t refused_per_client = 0, refused_table_full = 0;
  };

 public:
  // A held slot; releases it when destroyed (or moved from and reset).
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& o) noexcept = default;
    Slot& operator=(Slot&& o) noexcept;
    ~Slot() { release(); }
    void release();

   private:
    friend class ClientSlots;
    Slot(std::shared_ptr<State> s, std::string client)
        : state_(std::move(s)), client_(std::move(client)) {}
    std::shared_ptr<State> state_;
    std::string client_;
  };

  enum class Refusal { per_client, table_full };

  ClientSlots(std::size_t per_client, std::size_t max_clients);

  // A slot for `client`, or why not (counted).
  struct Taken {
    std::optional<Slot> slot;
    Refusal refusal = Refusal::per_client;
  };
  Taken acquire(const std::string& client);

  struct Figures {
    std::size_t clients = 0, open = 0;  // clients holding a slot, slots held
    std::size_t per_client = 0, max_clients = 0;
    std::uint64_t refused_per_client = 0, refused_table_full = 0;
  };
  Figures figures() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace streampulse::core
