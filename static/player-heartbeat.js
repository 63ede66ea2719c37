/*
 * streampulse player: heartbeats on a fixed schedule (docs/viewers.md).
 *
 * A heartbeat leaves every intervalMs (750 ms) while the page counts as watching, whether or not
 * the previous one has been answered: the period does not stretch with the round trip, so the
 * service sees this viewer arrive every 750 ms behind a 1 s or a 1.5 s round trip alike. Bounds:
 *   - at most maxInFlight (3) publishes unanswered at once; a tick past that is skipped (with
 *     3 x 750 ms, a round trip up to 2.25 s keeps the full rate; a longer one slows to one
 *     heartbeat per round trip / 3);
 *   - a publish unanswered after timeoutMs (4 s) is abandoned (AbortController);
 *   - a refusal's Retry-After (429/503 at capacity) holds every heartbeat until it has passed.
 * The clock is a dedicated Worker (static/player-clock.js) where the browser has one, so that a
 * background tab keeps the schedule; setInterval otherwise.
 *
 *   var hb = StreampulseHeartbeats({
 *     intervalMs: function () { return 750; },     // read at each start
 *     shouldBeat: function () { return true; },     // checked at each tick
 *     send: function (signal) { return promise },   // resolves {retryAfterMs} (0: none)
 *     maxInFlight: 3, timeoutMs: 4000,
 *     clock: function (onTick) { return {start(ms), stop()} }   // optional (tests)
 *   });
 *   hb.start(); hb.stop(); hb.beatNow(); hb.stats()
 *
 * Plain script (window.StreampulseHeartbeats) and a CommonJS module (test/e2e/heartbeat.test.mjs).
 */
(function (root) {
  'use strict';

  // The worker clock, or setInterval where there is no Worker (or it cannot start).
  function defaultClock(onTick) {
    var worker = null;
    var interval = null;
    try {
      if (typeof Worker === 'function') {
        worker = new Worker('/static/player-clock.js');
        worker.onmessage = function () { onTick(); };
        worker.onerror = function () { worker = null; }; // fall back at the next start
      }
    } catch (e) {
      worker = null;
    }
    return {
      kind: function () { return worker ? 'worker' : 'timer'; },
      start: function (ms) {
        this.stop();
        if (worker) worker.postMessage({ intervalMs: ms });
        else interval = setInterval(onTick, ms);
      },
      stop: function () {
        if (worker) worker.postMessage({ intervalMs: 0 });
        if (interval !== null) { clearInterval(interval); interval = null; }
      }
    };
  }

  function StreampulseHeartbeats(opts) {
    var maxInFlight = opts.maxInFlight || 3;
    var timeoutMs = opts.timeoutMs || 4000;
    var now = opts.now || function () { return Date.now(); };
    var s = {
      running: false, intervalMs: 0, inFlight: 0, retryAt: 0, lastSentAt: -Infinity,
      sent: 0, answered: 0, failed: 0, abandoned: 0, skippedBusy: 0, skippedRetryAfter: 0
    };
    var clock = (opts.clock || defaultClock)(tick);

    // One publish. Its slot is freed when it is answered, or at timeoutMs, whichever comes
    // first: then it is aborted and whatever it answers later is ignored.
    function send() {
      var controller = new AbortController();
      var done = false;
      function finish(outcome, r) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        s.inFlight -= 1;
        s[outcome] += 1;
        var wait = r && r.retryAfterMs > 0 ? r.retryAfterMs : 0;
        if (wait > 0) s.retryAt = Math.max(s.retryAt, now() + wait);
      }
      var timer = setTimeout(function () { finish('abandoned'); controller.abort(); }, timeoutMs);
      s.inFlight += 1;
      s.sent += 1;
      s.lastSentAt = now();
      var p;
      try { p = Promise.resolve(opts.send(controller.signal)); } catch (e) { p = Promise.reject(e); }
      return p.then(function (r) { finish(r && r.ok ? 'answered' : 'failed', r); },
        function () { finish('failed'); });
    }

    // One tick of the schedule: a heartbeat leaves unless the page is not watching, a refusal
    // asked to wait, or maxInFlight are unanswered.
    function tick() {
      if (!s.running || !opts.shouldBeat()) return null;
      if (now() < s.retryAt) { s.skippedRetryAfter += 1; return null; }
      if (s.inFlight >= maxInFlight) { s.skippedBusy += 1; return null; }
      return send();
    }

    return {
      // Starts the schedule (idempotent) and sends one heartbeat now unless one left within
      // half a period (a quick pause and play does not double the rate).
      start: function () {
        var ms = opts.intervalMs();
        if (!s.running || ms !== s.intervalMs) {
          s.running = true;
          s.intervalMs = ms;
          clock.start(ms);
        }
        if (now() - s.lastSentAt >= ms / 2) return tick();
        return null;
      },
      stop: function () {
        if (!s.running) return;
        s.running = false;
        clock.stop(); // publishes in flight finish
      },
      // One heartbeat outside the schedule (a failure beacon), within the same bounds except
      // shouldBeat.
      beatNow: function () {
        if (now() < s.retryAt || s.inFlight >= maxInFlight) return null;
        return send();
      },
      tick: tick,
      stats: function () {
        return {
          running: s.running, intervalMs: s.intervalMs, inFlight: s.inFlight, sent: s.sent,
          answered: s.answered, failed: s.failed, abandoned: s.abandoned,
          skippedBusy: s.skippedBusy, skippedRetryAfter: s.skippedRetryAfter,
          clock: clock.kind ? clock.kind() : 'custom'
        };
      }
    };
  }

  root.StreampulseHeartbeats = StreampulseHeartbeats;
  if (typeof module === 'object' && module && module.exports) {
    module.exports = { StreampulseHeartbeats: StreampulseHeartbeats };
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
