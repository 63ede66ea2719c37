// The audience's figures, summed over its shards: the active count, the dashboard (whole and
// per stream), the streams' figures and the bookkeeping figures /metrics reports.
#include "streampulse/service/audience.hpp"

#include "streampulse/core/error.hpp"

#include <set>
#include <string>

namespace streampulse::service {

namespace asio = boost::asio;
using store::result;

template <class T>
asio::awaitable<result<T>> Audience::sum_over_shards(
    store::awaitable<result<T>> (core::ViewerRegistry::*each)()) {
  T total = 0;
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    auto part = co_await on_shard<result<T>>(
        i, [each](AudienceShard& sh) { return (sh.registry.get()->*each)(); });
    if (part.has_error()) co_return part.error();
    total += *part;
  }
  co_return total;
}

asio::awaitable<result<std::uint64_t>> Audience::active_count() {
  return sum_over_shards(&core::ViewerRegistry::active_count);
}

namespace {

struct ShardPart {
  result<std::uint64_t> active{0};
  core::AudienceSummary summary;
};

}  // namespace

asio::awaitable<result<core::DashboardMetrics>> Audience::dashboard() {
  const core::EpochMs now = clock_.now_ms();
  std::vector<core::AudienceSummary> summaries;
  summaries.reserve(shards_.size());
  std::uint64_t active = 0;
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    auto part =
        co_await on_shard<ShardPart>(i, [now](AudienceShard& sh) -> asio::awaitable<ShardPart> {
          ShardPart p;
          p.active = co_await sh.registry->active_count();
          p.summary = sh.registry->index().summary(now);
          co_return p;
        });
    if (part.active.has_error()) co_return part.active.error();
    active += *part.active;
    summaries.push_back(std::move(part.summary));
  }
  auto m = core::make_dashboard(core::merge_summaries(summaries), active, now);
  set_windows(m);
  co_return m;
}

void Audience::set_windows(core::DashboardMetrics& m) const {
  if (shards_.empty() || !shards_[0]->registry) return;
  const auto& settings = shards_[0]->registry->settings();  // one setting, shared
  m.active_window_ms = settings.active_window_ms;
  m.retention_ms = settings.retention_ms;
}

asio::awaitable<std::map<std::string, core::StreamFigures>> Audience::stream_figures() {
  using Figures = std::map<std::string, core::StreamFigures>;
  const core::EpochMs now = clock_.now_ms();
  Figures total;
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    auto part = co_await on_shard<Figures>(i, [now](AudienceShard& sh) -> asio::awaitable<Figures> {
      co_return sh.activity.figures(now);
    });
    for (const auto& [id, f] : part) {
      auto& t = total[id];
      t.active += f.active;
      t.total += f.total;
    }
  }
  co_return total;
}

asio::awaitable<core::DashboardMetrics> Audience::stream_dashboard(std::string stream_id) {
  const core::EpochMs now = clock_.now_ms();
  std::vector<core::AudienceSummary> summaries;
  std::uint64_t active = 0;
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    struct Part {
      std::optional<core::AudienceSummary> summary;
      std::uint64_t active = 0;
    };
    auto part = co_await on_shard<Part>(i, [&](AudienceShard& sh) -> asio::awaitable<Part> {
      Part p;
      auto figures = sh.activity.figures(now);
      if (auto it = figures.find(stream_id); it != figures.end()) p.active = it->second.active;
      p.summary = sh.activity.summary(stream_id, now);
      co_return p;
    });
    active += part.active;
    if (part.summary) summaries.push_back(std::move(*part.summary));
  }
  auto m = summaries.empty() ? core::make_dashboard(core::AudienceTotals{}, 0, now)
                             : core::make_dashboard(core::merge_summaries(summaries), active, now);
  set_windows(m);
  co_return m;
}

namespace {

struct ShardFigures {
  AudienceFigures figures;
  std::vector<std::string> names[3];  // browser, os, device
};

}  // namespace

asio::awaitable<AudienceFigures> Audience::figures() {
  AudienceFigures total;
  std::set<std::string> names[3];  // distinct over the shards (a name may be on several)
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    auto part =
        co_await on_shard<ShardFigures>(i, [](AudienceShard& sh) -> asio::awaitable<ShardFigures> {
          ShardFigures out;
          AudienceFigures& f = out.figures;
          const auto& r = *sh.registry;
          f.tracked = r.tracked_players();
          f.max_players = r.settings().max_players;
          f.bindings = sh.pipeline->bindings().size();
          f.evicted = r.players_evicted();
          f.refused = r.players_refused();
          const core::Distribution* d[3] = {&r.index().browsers(), &r.index().os(),
                                            &r.index().devices()};
          for (int k = 0; k < 3; ++k) {
            for (auto& [name, n] : d[k]->counts()) out.names[k].push_back(name);
            f.agent_names_folded[k] = d[k]->folded();
          }
          f.agent_names_max = r.index().browsers().max_names();
          co_return out;
        });
    const AudienceFigures& f = part.figures;
    total.tracked += f.tracked;
    total.max_players = f.max_players;  // one cap, shared
    total.bindings += f.bindings;
    total.evicted += f.evicted;
    total.refused += f.refused;
    for (int k = 0; k < 3; ++k) {
      names[k].insert(part.names[k].begin(), part.names[k].end());
      total.agent_names_folded[k] += f.agent_names_folded[k];
    }
    total.agent_names_max = f.agent_names_max;
  }
  for (int k = 0; k < 3; ++k) total.agent_names[k] = names[k].size();
  co_return total;
}

}  // namespace streampulse::service
