#include "streampulse/service/live_dashboard.hpp"

#include <algorithm>

namespace streampulse::service {

std::size_t LiveDashboard::subscribers() {
  std::size_t n = feed.subscribers();
  for (auto& [id, sf] : stream_feeds) n += sf.feed.subscribers();
  return n;
}

std::shared_ptr<DashboardFeed::Subscriber> LiveDashboard::subscribe_stream(
    const std::string& stream_id, boost::asio::any_io_executor ex) {
  if (subscribers() >= feed.max_subscribers()) return nullptr;
  auto [it, created] = stream_feeds.try_emplace(stream_id, feed.max_subscribers());
  return it->second.feed.subscribe(std::move(ex));
}

void LiveDashboard::record_streams(core::EpochMs now,
                                   const std::map<std::string, std::uint64_t>& actives,
                                   const std::function<bool(const std::string&)>& in_catalog) {
  std::erase_if(stream_histories, [&](const auto& e) { return !in_catalog(e.first); });
  for (auto& [id, h] : stream_histories) {
    auto it = actives.find(id);
    const std::uint64_t active = it == actives.end() ? 0 : it->second;
    h->history.record(now, active);
    if (active > 0) h->last_watched = now;
  }
  for (const auto& [id, active] : actives) {
    if (active == 0 || stream_histories.contains(id) || !in_catalog(id)) continue;
    if (stream_histories.size() >= kMaxStreamHistories) {
      // Full: the least recently watched stream's history makes room, if it is older than now.
      auto oldest = std::min_element(stream_histories.begin(), stream_histories.end(),
                                     [](const auto& a, const auto& b) {
                                       return a.second->last_watched < b.second->last_watched;
                                     });
      if (oldest->second->last_watched >= now) continue;
      stream_histories.erase(oldest);
    }
    auto h = std::make_unique<StreamHistory>();
    h->history.record(now, active);
    h->last_watched = now;
    stream_histories.emplace(id, std::move(h));
  }
}

std::string LiveDashboard::stream_history_json(const std::string& stream_id,
                                               core::EpochMs now) const {
  if (auto it = stream_histories.find(stream_id); it != stream_histories.end())
    return it->second->history.to_json(now);
  return core::ViewerHistory().to_json(now);
}

void LiveDashboard::close_streams() {
  for (auto& [id, sf] : stream_feeds) sf.feed.close();
}

}  // namespace streampulse::service
