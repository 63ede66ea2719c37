// Unit tests for static/player-heartbeat.js: heartbeats on a fixed schedule, whatever the round
// trip, with a bound on publishes in flight, a timeout, and Retry-After.
// Run: node --test test/e2e/heartbeat.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { StreampulseHeartbeats } = require('../../static/player-heartbeat.js');

// A scheduler driven by hand: tick() is the clock; each send answers after `rtt` ms of real time.
function make({ rtt = 0, answer = { ok: true }, maxInFlight = 3, timeoutMs = 4000, watching = () => true } = {}) {
  const sends = [];
  let clockMs = 0;
  const hb = StreampulseHeartbeats({
    intervalMs: () => 750,
    shouldBeat: watching,
    maxInFlight,
    timeoutMs,
    now: () => clockMs,
    clock: () => ({ start() {}, stop() {} }),
    send: (signal) => {
      sends.push({ at: clockMs, signal });
      return new Promise((resolve, reject) => {
        if (rtt === Infinity) { signal.addEventListener('abort', () => reject(new Error('aborted'))); return; }
        setTimeout(() => resolve(typeof answer === 'function' ? answer() : answer), rtt);
      });
    }
  });
  return { hb, sends, advance: (ms) => { clockMs += ms; } };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a tick sends without waiting for the previous answer (round trip longer than the period)', async () => {
  const { hb, sends, advance } = make({ rtt: 60 });
  hb.start();                 // sends at once
  advance(750); hb.tick();    // the first is not answered yet: the second leaves anyway
  advance(750); hb.tick();
  assert.equal(sends.length, 3);
  assert.equal(hb.stats().inFlight, 3);
  await sleep(100);
  assert.equal(hb.stats().inFlight, 0);
  assert.equal(hb.stats().answered, 3);
});

test('at most maxInFlight publishes unanswered: a tick past that is skipped', async () => {
  const { hb, sends, advance } = make({ rtt: 50, maxInFlight: 2 });
  hb.start();
  advance(750); hb.tick();
  advance(750); hb.tick(); // skipped
  assert.equal(sends.length, 2);
  assert.equal(hb.stats().skippedBusy, 1);
  await sleep(80);
  advance(750); hb.tick();
  assert.equal(sends.length, 3);
});

test('a publish unanswered after timeoutMs is aborted and frees its slot', async () => {
  const { hb, sends } = make({ rtt: Infinity, timeoutMs: 30, maxInFlight: 1 });
  hb.start();
  assert.equal(hb.stats().inFlight, 1);
  await sleep(60);
  assert.equal(sends[0].signal.aborted, true);
  assert.equal(hb.stats().inFlight, 0);
  assert.equal(hb.stats().abandoned, 1);
});

test('Retry-After holds every heartbeat until it has passed', async () => {
  const { hb, sends, advance } = make({ answer: { ok: false, retryAfterMs: 2000 } });
  hb.start();
  await sleep(5);
  advance(750); hb.tick();
  advance(750); hb.tick();
  assert.equal(sends.length, 1);
  assert.equal(hb.stats().skippedRetryAfter, 2);
  advance(750); hb.tick(); // 2250 ms after: past the 2000 asked
  assert.equal(sends.length, 2);
});

test('no heartbeat while not watching; stop and start again; a quick restart does not double the rate', async () => {
  let watching = true;
  const { hb, sends, advance } = make({ watching: () => watching });
  hb.start();
  watching = false;
  advance(750); hb.tick();
  assert.equal(sends.length, 1);
  hb.stop();
  watching = true;
  advance(100); hb.start(); // 850 ms after the last: sends
  assert.equal(sends.length, 2);
  hb.stop();
  advance(100); hb.start(); // 100 ms after: does not
  assert.equal(sends.length, 2);
  advance(750); hb.tick();
  assert.equal(sends.length, 3);
});

test('beatNow sends a beacon outside the schedule even when not watching', async () => {
  const { hb, sends } = make({ watching: () => false });
  assert.equal(hb.start(), null);
  assert.ok(hb.beatNow());
  assert.equal(sends.length, 1);
});
