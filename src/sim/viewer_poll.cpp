// A viewer's count long-poll, as static/player.js pollViewerCount runs it: sequence numbers
// and pages from each item, discontinuities followed, a refused token renewed, errors backed off.
#include "viewer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <charconv>

namespace streampulse::sim {

namespace asio = boost::asio;

namespace {

// player.js POLL_TIMEOUT_MS: the API does not bound the hold time; re-issue after this.
constexpr std::int64_t kPollTimeoutMs = 90'000;

struct Position {
  std::uint64_t sequence_number = 0, sequence_page = 0;
};

void append_number(std::string& out, std::uint64_t n) {
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, r.ptr);
}

void build_poll(Viewer& v, const Position& at) {
  std::string& r = v.poll_request;
  r.assign("GET ");
  r += v.count_path;
  r += "?sequence_number=";
  append_number(r, at.sequence_number);
  r += "&sequence_page=";
  append_number(r, at.sequence_page);
  r += " HTTP/1.1\r\nHost: ";
  r += v.topics->host_header;
  r += "\r\nAuthorization: ";
  r += v.token;
  r += "\r\n\r\n";
}

bool as_u64(const boost::json::value* x, std::uint64_t& out) {
  if (!x) return false;
  if (x->is_uint64()) {
    out = x->get_uint64();
  } else if (x->is_int64() && x->get_int64() >= 0) {
    out = static_cast<std::uint64_t>(x->get_int64());
  } else {
    return false;
  }
  return true;
}

// Reads the answer's items; false when it is not the API's JSON.
bool read_items(AudienceContext& ctx, Viewer& v, std::string_view body, Position& at) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  const auto* root = ec ? nullptr : doc.if_object();
  const auto* items_value = root ? root->if_contains("items") : nullptr;
  const auto* items = items_value ? items_value->if_array() : nullptr;
  if (!items) return false;
  const auto now = steady_ms();
  for (const auto& element : *items) {
    const auto* e = element.if_object();
    if (!e) continue;
    if (const auto* iv = e->if_contains("item"); iv && iv->is_object()) {
      const auto& item = iv->get_object();
      std::uint64_t n = 0;
      const bool has_sequence = as_u64(item.if_contains("topic_sequence_number"), n);
      if (has_sequence) at.sequence_number = n + 1;
      std::uint64_t page = at.sequence_page;
      if (as_u64(item.if_contains("sequence_page"), page)) at.sequence_page = page;
      if (has_sequence) ctx.ledger.topic_item(at.sequence_page, n, ctx.ledger.stream_of(v.id));
      const auto* value = item.if_contains("value");
      const auto* vo = value ? value->if_object() : nullptr;
      const auto* text = vo ? vo->if_contains("text") : nullptr;
      if (text && text->is_string()) {
        const auto count = parse_count(text->get_string());
        if (count >= 0) ctx.ledger.delivered(v.id, count, now);
      }
    } else if (const auto* dv = e->if_contains("discontinuity"); dv && dv->is_object()) {
      const auto& d = dv->get_object();
      as_u64(d.if_contains("new_topic_sequence"), at.sequence_number);
      as_u64(d.if_contains("new_sequence_page"), at.sequence_page);
    }
  }
  return true;
}

}  // namespace

asio::awaitable<void> poll_loop(AudienceContext& ctx, Viewer& v) {
  RequestCounters& c = ctx.figures.polls;
  Position at;
  int auth_failures = 0;
  while (!ctx.stopping && !v.leaving) {
    build_poll(v, at);
    const std::string token = v.token;
    ++c.sent;
    Answer a;
    co_await exchange(v.poll, *v.topics, v.poll_request, kPollTimeoutMs, a);
    if (ctx.stopping || v.leaving) {
      ++c.aborted;
      break;
    }
    std::optional<std::int64_t> retry_after;
    if (a.status == 0 && a.reason == "timeout") {
      ++ctx.figures.poll_timeouts;  // our own long-poll deadline: re-issue at once
      --c.sent;
      continue;
    }
    if (a.status == 401 || a.status == 403) {
      ++auth_failures;
      c.fail("HTTP " + std::to_string(a.status));
      // Renew only if nobody did since this request left; on this connection.
      if (v.token == token && !co_await fetch_config(ctx, v, v.poll, v.poll_slot)) break;
      if (auth_failures <= 1) continue;
    } else {
      auth_failures = 0;
      if (a.status >= 200 && a.status < 300 && read_items(ctx, v, a.body, at)) {
        ++c.ok;
        v.poll_backoff.reset();
        continue;
      }
      if (a.status == 429 || a.status == 503) {
        c.refuse(a.status);
        retry_after = a.retry_after_ms;
      } else if (a.status >= 200 && a.status < 300) {
        c.fail("not the topics API's JSON");
      } else {
        c.fail(a.status != 0 ? "HTTP " + std::to_string(a.status) : a.reason);
      }
    }
    const auto wait = v.poll_backoff.next(retry_after, ctx.unit());
    co_await ctx.scheduler.sleep_until(v.poll_slot,
                                       Scheduler::Clock::now() + std::chrono::milliseconds(wait));
  }
  v.poll.close();
  v.polling = false;
}

}  // namespace streampulse::sim
