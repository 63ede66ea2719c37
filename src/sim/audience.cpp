// The audience: builds the viewers, runs them on one io_context with the sampler (accuracy,
// deadlines), churn and progress reports, then prints the report.
#include "streampulse/sim/audience.hpp"

#include "streampulse/sim/stream_spread.hpp"
#include "viewer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

namespace streampulse::sim {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kSampleEvery = std::chrono::milliseconds(100);

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

class Audience {
 public:
  explicit Audience(const AudienceOptions& o, std::size_t open_file_limit)
      : options_(o),
        scheduler_(io_.get_executor()),
        ledger_(ledger_options(o), steady_ms()),
        endpoints_(io_.get_executor()),
        ctx_{io_.get_executor(),      options_, scheduler_, ledger_, figures_, endpoints_,
             std::mt19937_64(o.seed), {},       false},
        sampler_(io_),
        churn_(io_),
        reporter_(io_),
        end_(io_),
        signals_(io_, SIGINT, SIGTERM) {
    figures_.open_file_limit = open_file_limit;
    if (o.streams > 0) spread_.emplace(o.streams, o.stream_skew, o.seed);
  }

  int run() {
    start_ms_ = steady_ms();
    cpu0_ = cpu_seconds();
    const std::int64_t spread = options_.interval_ms > 0 ? options_.interval_ms : 750;
    auto population = make_population(options_.players, ctx_.rng, core::SystemClock().now_ms());
    viewers_.reserve(population.size());
    for (auto& p : population) {
      const auto phase = std::uniform_int_distribution<std::int64_t>(0, spread - 1)(ctx_.rng);
      add_viewer(std::move(p), start_ms_ + phase, false);
    }
    asio::co_spawn(io_, sample_loop(), asio::detached);
    if (options_.churn_every_ms > 0) asio::co_spawn(io_, churn_loop(), asio::detached);
    if (options_.report_every_s > 0) asio::co_spawn(io_, report_loop(), asio::detached);
    if (options_.duration_s > 0) {
      end_.expires_after(
          std::chrono::milliseconds(static_cast<std::int64_t>(options_.duration_s * 1000)));
      end_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) stop();
      });
    }
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      std::fprintf(stderr, "stopping (signal); again to quit at once\n");
      signals_.async_wait([](const boost::system::error_code& ec2, int) {
        if (!ec2) std::_Exit(1);
      });
      stop();
    });
    io_.run();
    return finish();
  }

 private:
  static LedgerOptions ledger_options(const AudienceOptions& o) {
    LedgerOptions l;
    l.active_window_ms = o.active_window_ms;
    l.warmup_ms = static_cast<std::int64_t>(o.warmup_s * 1000);
    l.sample_size = o.sample_size;
    return l;
  }

  Viewer& add_viewer(Player p, std::int64_t start_ms, bool churn_join) {
    const std::size_t stream = spread_ ? spread_->stream_of(ledger_.viewers()) : 0;
    const std::size_t id = ledger_.add_viewer(options_.subscribe, churn_join, stream);
    const Target& target = options_.targets[target_of(id, options_.targets.size())];
    viewers_.push_back(std::make_unique<Viewer>(io_.get_executor(), id, target, std::move(p)));
    Viewer& v = *viewers_.back();
    v.start_ms = start_ms;
    if (spread_) v.stream_id = StreamSpread::stream_id(stream);
    if (options_.own_addresses) {
      // 127.1.0.1 upwards: 16 million addresses, each viewer its own.
      const auto n = static_cast<std::uint32_t>(id + 1) & 0x00ffffffu;
      const auto address = asio::ip::make_address_v4((127u << 24) | ((1u << 16) + n));
      v.hb.source = address;
      v.poll.source = address;
    }
    asio::co_spawn(io_, run_viewer(ctx_, v), asio::detached);
    return v;
  }

  void stop() {
    if (ctx_.stopping) return;
    ctx_.stopping = true;
    stop_ms_ = steady_ms();
    scheduler_.stop();
    for (auto& v : viewers_) {
      v->hb.close();
      v->poll.close();
    }
    sampler_.cancel();
    churn_.cancel();
    reporter_.cancel();
    end_.cancel();
    // The signal set stays armed (a second signal quits at once) until every viewer is done.
    asio::co_spawn(io_, drain(), asio::detached);
  }

  asio::awaitable<void> drain() {
    asio::steady_timer pause(io_);
    for (;;) {
      bool busy = false;
      for (const auto& v : viewers_) busy = busy || v->running || v->polling;
      if (!busy) break;
      pause.expires_after(std::chrono::milliseconds(10));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    signals_.cancel();
  }

  asio::awaitable<void> sample_loop() {
    auto due = Clock::now();
    while (!ctx_.stopping) {
      due += kSampleEvery;
      sampler_.expires_at(due);
      auto [ec] = co_await sampler_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || ctx_.stopping) break;
      scheduler_.record_lag(Clock::now() - due);
      const auto now = steady_ms();
      if (ledger_.warmed_up(now)) scheduler_.begin_steady();
      ledger_.sample(now);
      for (auto& v : viewers_) {
        v->hb.check_deadline(now);
        v->poll.check_deadline(now);
      }
      if (Clock::now() > due + kSampleEvery) due = Clock::now();  // do not catch up in a burst
    }
  }

  asio::awaitable<void> churn_loop() {
    bool leave_next = true;  // leave, join, leave...: the audience stays within --players
    while (!ctx_.stopping) {
      churn_.expires_after(std::chrono::milliseconds(options_.churn_every_ms));
      auto [ec] = co_await churn_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || ctx_.stopping) break;
      const auto now = steady_ms();
      if (leave_next) {
        if (Viewer* v = pick_leaver(now)) {
          v->leaving = true;
          ledger_.leave(v->id, now);
          ++figures_.left;
          v->poll.close();
          scheduler_.wake(v->hb_slot);
          scheduler_.wake(v->poll_slot);
        }
      } else {
        add_viewer(make_player(ctx_.rng, core::SystemClock().now_ms()), now, true);
        ++figures_.joined;
      }
      leave_next = !leave_next;
    }
  }

  Viewer* pick_leaver(std::int64_t now) {
    if (viewers_.empty()) return nullptr;
    std::uniform_int_distribution<std::size_t> pick(0, viewers_.size() - 1);
    for (int tries = 0; tries < 64; ++tries) {
      Viewer& v = *viewers_[pick(ctx_.rng)];
      if (!v.leaving && ledger_.watching(v.id, now)) return &v;
    }
    for (auto& v : viewers_) {
      if (!v->leaving && ledger_.watching(v->id, now)) return v.get();
    }
    return nullptr;
  }

  asio::awaitable<void> report_loop() {
    AudienceFigures previous;
    const auto every =
        std::chrono::milliseconds(static_cast<std::int64_t>(options_.report_every_s * 1000));
    while (!ctx_.stopping) {
      reporter_.expires_after(every);
      auto [ec] = co_await reporter_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || ctx_.stopping) break;
      take_times();
      const ReportInput in{options_, figures_, ledger_, watching_now()};
      std::fputs(progress_line(in, previous, options_.report_every_s).c_str(), stderr);
      std::fflush(stderr);
      previous = figures_;
    }
  }

  std::size_t watching_now() const {
    return static_cast<std::size_t>(ledger_.true_audience(steady_ms()));
  }

  void take_times() {
    figures_.cpu_s = cpu_seconds() - cpu0_;
    const auto end = stop_ms_ ? stop_ms_ : steady_ms();
    figures_.wall_s = static_cast<double>(end - start_ms_) / 1000.0;
    figures_.lag = scheduler_.lag();
    figures_.steady_lag = scheduler_.steady_lag();
    figures_.lag_max_ms = scheduler_.lag_max_ms();
    figures_.deliveries = ledger_.deliveries();
    figures_.publishes = ledger_.publishes();
    figures_.viewer_seconds = ledger_.subscribed_viewer_seconds();
  }

  int finish() {
    take_times();
    ledger_.finish(stop_ms_ ? stop_ms_ : steady_ms());
    const ReportInput in{options_, figures_, ledger_,
                         static_cast<std::size_t>(ledger_.true_audience(stop_ms_))};
    const auto failures =
        options_.expect_exact ? exactness_failures(in) : std::vector<std::string>{};
    std::fputs(summary_text(in).c_str(), stderr);
    if (!options_.json_path.empty()) {
      const std::string json = report_json(in, failures);
      if (options_.json_path == "-") {
        std::fputs(json.c_str(), stdout);
        std::fputs("\n", stdout);
        std::fflush(stdout);
      } else {
        std::ofstream out(options_.json_path);
        out << json << "\n";
        if (!out) std::fprintf(stderr, "cannot write %s\n", options_.json_path.c_str());
      }
    }
    if (options_.expect_exact) {
      for (const auto& f : failures) std::fprintf(stderr, "result: NOT EXACT: %s\n", f.c_str());
      if (failures.empty()) std::fprintf(stderr, "result: exact\n");
    }
    std::fflush(stderr);
    return failures.empty() ? 0 : 1;
  }

  const AudienceOptions& options_;
  asio::io_context io_{1};
  Scheduler scheduler_;
  AudienceLedger ledger_;
  std::optional<StreamSpread> spread_;  // --streams
  AudienceFigures figures_;
  Endpoints endpoints_;
  AudienceContext ctx_;
  std::vector<std::unique_ptr<Viewer>> viewers_;
  asio::steady_timer sampler_, churn_, reporter_, end_;
  asio::signal_set signals_;
  std::int64_t start_ms_ = 0, stop_ms_ = 0;
  double cpu0_ = 0;
};

}  // namespace

int run_audience(const AudienceOptions& options, std::size_t open_file_limit) {
  Audience audience(options, open_file_limit);
  return audience.run();
}

}  // namespace streampulse::sim
