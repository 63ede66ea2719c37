#include "streampulse/store/store.hpp"

namespace streampulse::store {

SubscribePosition next_position(SubscribePosition from,
                                const std::vector<SubscriptionEvent>& events) {
  // Momento's resume rule, applied event by event: the last event decides.
  for (const auto& event : events) {
    if (const auto* item = std::get_if<TopicItem>(&event)) {
      from = {item->topic_sequence_number + 1, item->sequence_page};
    } else {
      const auto& gap = std::get<Discontinuity>(event);
      from = {gap.new_topic_sequence, gap.new_sequence_page};
    }
  }
  return from;
}

}  // namespace streampulse::store
