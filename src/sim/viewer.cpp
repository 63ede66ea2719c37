// A viewer's configuration and heartbeat loops, as static/player.js runs them.
#include "viewer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <charconv>

namespace streampulse::sim {

namespace asio = boost::asio;

namespace {

constexpr std::int64_t kConfigTimeoutMs = 10'000;  // player.js fetchConfigOnce
constexpr std::int64_t kPublishTimeoutMs = 5'000;  // player.js PUBLISH_TIMEOUT_MS

bool refusal(unsigned status) { return status == 429 || status == 503; }

Scheduler::Clock::time_point in_ms(std::int64_t ms) {
  return Scheduler::Clock::now() + std::chrono::milliseconds(ms);
}

double ms_since(Scheduler::Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Scheduler::Clock::now() - t0).count();
}

bool gone(const AudienceContext& ctx, const Viewer& v) { return ctx.stopping || v.leaving; }

void append_number(std::string& out, std::int64_t n) {
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, r.ptr);
}

}  // namespace

asio::awaitable<bool> fetch_config(AudienceContext& ctx, Viewer& v, Conn& conn,
                                   Scheduler::Slot& slot) {
  std::string why;
  const Endpoint* endpoint = ctx.endpoints.find(v.target, why);
  // A stream id is URL-safe as it is (A-Z a-z 0-9 _ -).
  const std::string query = v.stream_id.empty() ? "" : "?stream=" + v.stream_id;
  const std::string request = "GET " + v.target.path + "/api/player-config" + query +
                              " HTTP/1.1\r\nHost: " + v.target.host_header +
                              "\r\nAccept: application/json\r\n\r\n";
  RequestCounters& c = ctx.figures.configs;
  while (!gone(ctx, v)) {
    std::optional<std::int64_t> retry_after;
    if (!endpoint) {
      c.fail(why);
    } else {
      Answer a;
      ++c.sent;
      const auto t0 = Scheduler::Clock::now();
      co_await exchange(conn, *endpoint, request, kConfigTimeoutMs, a);
      if (gone(ctx, v)) break;
      c.latency_ms(ms_since(t0), ctx.ledger.warmed_up(steady_ms()));
      if (a.status == 200 && apply_config(ctx, v, a.body, why)) {
        ++c.ok;
        v.config_backoff.reset();
        co_return true;
      }
      if (a.status == 200) {
        c.fail("bad configuration: " + why);
      } else if (refusal(a.status)) {
        c.refuse(a.status);
        retry_after = a.retry_after_ms;
      } else if (a.status != 0) {
        c.fail("HTTP " + std::to_string(a.status));
      } else {
        c.fail(a.reason);
      }
    }
    const auto wait = v.config_backoff.next(retry_after, ctx.unit());
    co_await ctx.scheduler.sleep_until(slot, in_ms(wait));
  }
  co_return false;
}

namespace {

void build_heartbeat(AudienceContext& ctx, Viewer& v) {
  maybe_switch_bitrate(v.player, ctx.rng);
  std::string& body = ctx.body;
  body.assign(v.body_prefix);
  append_number(body, bitrate_kbps(v.player));
  body += ",\"playTime\":";
  append_number(body, play_time_s(v.player, core::SystemClock().now_ms()));
  append_quality_fields(body, v.player, ctx.rng);
  body += v.body_suffix;
  v.request.assign(v.publish_head);
  append_number(v.request, static_cast<std::int64_t>(body.size()));
  v.request += "\r\n\r\n";
  v.request += body;
}

}  // namespace

asio::awaitable<void> run_viewer(AudienceContext& ctx, Viewer& v) {
  struct Done {  // however the coroutine ends
    Viewer& v;
    ~Done() { v.running = false; }
  } done{v};
  co_await ctx.scheduler.sleep_until(
      v.hb_slot, Scheduler::Clock::time_point() + std::chrono::milliseconds(v.start_ms));
  if (!co_await fetch_config(ctx, v, v.hb, v.hb_slot)) {
    v.hb.close();
    co_return;
  }
  if (ctx.options.subscribe) {
    v.polling = true;
    asio::co_spawn(ctx.ex, poll_loop(ctx, v), asio::detached);
  }
  RequestCounters& c = ctx.figures.heartbeats;
  int attempt = 0;  // player.js publishHeartbeat: a refused token gets one renewal and retry
  while (!gone(ctx, v)) {
    if (steady_ms() >= v.refresh_at_ms && !co_await fetch_config(ctx, v, v.hb, v.hb_slot)) break;
    build_heartbeat(ctx, v);
    ++c.sent;
    Answer a;
    const auto t0 = Scheduler::Clock::now();
    co_await exchange(v.hb, *v.topics, v.request, kPublishTimeoutMs, a);
    if (ctx.stopping) {
      ++c.aborted;  // cut short by the end of the run: neither ok nor failed
      break;
    }
    const auto now = steady_ms();
    std::int64_t wait = v.interval_ms;  // re-armed after the publish settles, as the page
    if (a.status >= 200 && a.status < 300) {
      ++c.ok;
      c.latency_ms(ms_since(t0), ctx.ledger.warmed_up(steady_ms()));
      ctx.ledger.heartbeat_ok(v.id, now);
      v.hb_backoff.reset();
      attempt = 0;
    } else if ((a.status == 401 || a.status == 403) && attempt == 0) {
      attempt = 1;
      --c.sent;  // renewed and sent again: counted once
      if (!co_await fetch_config(ctx, v, v.hb, v.hb_slot)) break;
      continue;
    } else if (refusal(a.status)) {
      c.refuse(a.status);
      c.latency_ms(ms_since(t0), ctx.ledger.warmed_up(steady_ms()));
      wait = v.hb_backoff.next(a.retry_after_ms, ctx.unit());
      attempt = 0;
    } else {
      c.fail(a.status != 0 ? "HTTP " + std::to_string(a.status) : a.reason);
      if (a.connection_refused) wait = v.hb_backoff.next(std::nullopt, ctx.unit());
      attempt = 0;
    }
    if (gone(ctx, v)) break;
    co_await ctx.scheduler.sleep_until(v.hb_slot, in_ms(wait));
  }
  v.hb.close();
}

}  // namespace streampulse::sim
