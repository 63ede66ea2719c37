#!/usr/bin/env node
// What counts as watching (docs/viewers.md), in Chromium against a running service:
//   a  a viewer behind a slow link (1 s, then 1.5 s round trip on every request, through
//      delay-proxy.mjs) stays counted: a second viewer's overlay reads 2 in every sample over
//      10 s each, never 1
//   b  pausing: the paused viewer is not counted (the other reads 1) and its own overlay says
//      so; playing again counts it again
//   c  a hidden tab keeps being counted (the page's visibility faked hidden: headless Chromium
//      shows every tab as visible)
//   d  two tabs of one browser read 2
//   e  a missing stream: the page shows the error with "Retry now", tries again by itself with
//      back-off, and the dashboard's error figure (/api/dashboard quality.errors and the
//      page's "Errors" card) goes up
//   f  the count is not a live region; the diagnostics are behind a closed toggle
//
//   STREAMPULSE_URL  the service [http://127.0.0.1:18080]; CHROMIUM_PATH; E2E_ARTIFACTS
// Exits 0 when every check passed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, checks, launch, waitFor } from './lib.mjs';
import { startDelayProxy } from './delay-proxy.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BASE = (process.env.STREAMPULSE_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '');
const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS || path.join(repoRoot, 'test-artifacts'));
const SAMPLE_S = Number(process.env.E2E_SAMPLE_S || 10);

const { check, finish } = checks();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function dashboard() {
  const res = await fetch(BASE + '/api/dashboard');
  assert(res.ok, `GET /api/dashboard answered ${res.status}`);
  return res.json();
}

const count = (page) => page.evaluate(() => {
  const el = document.getElementById('viewer-count');
  return { count: el.dataset.count, counted: el.dataset.counted, text: el.textContent.replace(/\s+/g, ' ').trim() };
});
const waitCount = (page, n, timeout = 15000) =>
  waitFor(async () => { const c = await count(page); return c.count === String(n) ? c : false; }, `the overlay to read ${n}`, timeout);
const waitPlaying = (page, timeout = 30000) =>
  waitFor(() => page.evaluate(() => document.getElementById('video').currentTime > 1), 'the video to play', timeout);

// Samples the overlay every 250 ms for `seconds`: the counts seen.
async function sample(page, seconds) {
  const seen = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    seen.push((await count(page)).count);
    await sleep(250);
  }
  return seen;
}

// Every page: the visibility can be faked hidden (window.__hide()), as a background tab's.
const FAKE_VISIBILITY = () => {
  let hidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  window.__hide = (h) => { hidden = h; document.dispatchEvent(new Event('visibilitychange')); };
};

async function main() {
  console.log(`streampulse viewers suite against ${BASE}`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await launch();
  const slowCtx = await browser.newContext();
  const fastCtx = await browser.newContext();
  for (const c of [slowCtx, fastCtx]) await c.addInitScript(FAKE_VISIBILITY);
  const pageErrors = [];
  for (const c of [slowCtx, fastCtx]) c.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(e.message)));
  const proxy = await startDelayProxy(BASE, 0, { roundTripMs: 1000 });
  try {
    const slow = await slowCtx.newPage();
    const fast = await fastCtx.newPage();

    await check('a: a viewer behind a 1 s round trip stays counted (the other viewer reads 2 in every sample)', async () => {
      await slow.goto(proxy.url + '/', { waitUntil: 'load', timeout: 30000 });
      await fast.goto(BASE + '/', { waitUntil: 'load' });
      await Promise.all([waitPlaying(slow), waitPlaying(fast)]);
      await waitCount(fast, 2);
      const from = proxy.publishes.length;
      const seen = await sample(fast, SAMPLE_S);
      const trips = proxy.publishes.slice(from).map((p) => p.ms);
      assert(trips.length > 0 && Math.min(...trips) >= 950, `round trips not ~1 s: ${trips.join(',')}`);
      const bad = seen.filter((c) => c !== '2');
      assert(bad.length === 0, `${bad.length} of ${seen.length} samples not 2: ${seen.join('')}`);
      const rate = trips.length / SAMPLE_S;
      assert(rate >= 1.2, `only ${trips.length} heartbeats in ${SAMPLE_S} s`);
      return `${seen.length} samples all 2; ${trips.length} heartbeats (${rate.toFixed(2)}/s), round trips ${Math.min(...trips)}-${Math.max(...trips)} ms`;
    });

    await check('a: ... and behind a 1.5 s round trip', async () => {
      proxy.roundTripMs = 1500;
      await sleep(2000); // the requests of the 1 s link are answered
      const from = proxy.publishes.length;
      const seen = await sample(fast, SAMPLE_S);
      const trips = proxy.publishes.slice(from).map((p) => p.ms);
      assert(trips.length > 0 && Math.min(...trips) >= 1450, `round trips not ~1.5 s: ${trips.join(',')}`);
      const bad = seen.filter((c) => c !== '2');
      assert(bad.length === 0, `${bad.length} of ${seen.length} samples not 2: ${seen.join('')}`);
      const stats = await slow.evaluate(() => window.streampulse.heartbeats);
      return `${seen.length} samples all 2; ${trips.length} heartbeats (${(trips.length / SAMPLE_S).toFixed(2)}/s), ` +
        `round trips ${Math.min(...trips)}-${Math.max(...trips)} ms; page: ${JSON.stringify(stats)}`;
    });
    proxy.roundTripMs = 0;

    await check('b: a paused viewer is not counted, and its overlay says so; playing again counts it', async () => {
      await slow.evaluate(() => document.getElementById('video').pause());
      await waitCount(fast, 1);
      const own = await waitFor(async () => { const c = await count(slow); return /paused, not counted/.test(c.text) ? c : false; }, 'the paused overlay');
      assert(own.counted === 'no', `the paused page says counted=${own.counted}`);
      await slow.evaluate(() => document.getElementById('video').play());
      await waitCount(fast, 2);
      const back = await waitCount(slow, 2);
      assert(back.counted === 'yes' && !/paused/.test(back.text), `after play the overlay reads "${back.text}"`);
      return `paused: "${own.text}"; playing again: "${back.text}"`;
    });

    await check('c: a hidden (background) tab is still counted', async () => {
      await slow.evaluate(() => window.__hide(true));
      const before = await slow.evaluate(() => window.streampulse.heartbeatsSent);
      const seen = await sample(fast, 4);
      const after = await slow.evaluate(() => window.streampulse.heartbeatsSent);
      await slow.evaluate(() => window.__hide(false));
      assert(seen.every((c) => c === '2'), `the other viewer read ${seen.join('')}`);
      assert(after - before >= 4, `${after - before} heartbeats in 4 s while hidden`);
      return `${after - before} heartbeats in 4 s while hidden; the other viewer read 2 throughout`;
    });

    await check('d: two tabs of one browser read 2, and the dashboard has them as 2 views of 1 unique viewer', async () => {
      await slow.close();
      await waitCount(fast, 1);
      const tab2 = await fastCtx.newPage();
      await tab2.goto(BASE + '/', { waitUntil: 'load' });
      await fast.evaluate(() => window.__hide(true)); // the first tab goes to the background
      await waitPlaying(tab2);
      await Promise.all([waitCount(fast, 2), waitCount(tab2, 2)]);
      const ids = await Promise.all([fast, tab2].map((p) => p.evaluate(() => window.streampulse.playerId)));
      const views = await Promise.all([fast, tab2].map((p) => p.evaluate(() => window.streampulse.viewerId)));
      assert(ids[0] !== ids[1], `both tabs report as ${ids[0]}`);
      assert(views[0] === views[1], `one browser, two viewerIds ${views}`);
      // The dashboard: two views, one unique viewer.
      const d = await waitFor(async () => {
        const m = await dashboard();
        return m.players.active === 2 && m.viewers && m.viewers.active === 1 ? m : false;
      }, '/api/dashboard to read 2 views and 1 unique viewer', 10000);
      await tab2.close();
      await fast.evaluate(() => window.__hide(false));
      return `playerIds ${ids.join(' ')} (one viewerId ${views[0]}); dashboard players ${JSON.stringify(d.players)}, viewers ${JSON.stringify(d.viewers)}`;
    });

    await check('e: a missing stream shows the error and Retry, retries with back-off, and the dashboard counts the errors', async () => {
      const before = (await dashboard()).quality.errors || 0;
      const page = await slowCtx.newPage();
      await page.goto(BASE + '/?stream=/media/no-such-stream/master.m3u8&name=Missing', { waitUntil: 'load' });
      const box = await waitFor(() => page.evaluate(() => {
        const b = document.getElementById('player-error');
        const r = document.getElementById('player-retry');
        return !b.hidden && !r.hidden ? b.textContent.replace(/\s+/g, ' ').trim() : false;
      }), 'the error box with Retry', 15000);
      assert(/could not be loaded/.test(box), `the box says "${box}"`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'player-missing-stream.png') });
      const after = await waitFor(async () => { const e = (await dashboard()).quality.errors || 0; return e > before ? e : false; },
        '/api/dashboard quality.errors to go up', 10000);
      const t0 = Date.now();
      const auto = await waitFor(() => page.evaluate(() => window.streampulse.failures >= 2 && window.streampulse.failures),
        'an automatic second try', 8000);
      const autoMs = Date.now() - t0;
      const n = await page.evaluate(() => window.streampulse.failures);
      await page.click('#player-retry');
      const manual = await waitFor(() => page.evaluate((k) => window.streampulse.failures > k && window.streampulse.failures, n),
        'the try "Retry now" started', 5000);
      assert(!(await page.evaluate(() => window.streampulse.counted)), 'a failed player is counted as watching');
      const dash = await (await slowCtx.newPage());
      await dash.goto(BASE + '/dashboard', { waitUntil: 'load' });
      const shown = await waitFor(async () => {
        const t = (await dash.textContent('#q-errors')).replace(/[^\d]/g, '');
        return t && Number(t) > before ? t : false;
      }, 'the dashboard\'s Errors card to go up', 10000);
      await page.close();
      await dash.close();
      return `"${box}"; errors ${before} -> ${after} (API), card ${shown}; automatic retry (${auto} failures) within ${autoMs} ms, "Retry now" -> ${manual}`;
    });

    await check('e2: a configuration that could not be fetched is reported once one arrives (errors in the first heartbeat)', async () => {
      const before = (await dashboard()).quality.errors || 0;
      const page = await slowCtx.newPage();
      let refused = 0;
      // The first two configuration requests fail, as when the service is out of reach.
      await page.route('**/api/player-config*', (route) => (refused++ < 2 ? route.fulfill({ status: 503, body: '{}' }) : route.fallback()));
      await page.goto(BASE + '/', { waitUntil: 'load' });
      const box = await waitFor(() => page.evaluate(() => {
        const b = document.getElementById('player-error');
        return !b.hidden ? b.textContent.replace(/\s+/g, ' ').trim() : false;
      }), 'the error box while the configuration cannot be fetched', 10000);
      await page.click('#player-retry').catch(() => {});
      await waitPlaying(page);
      const after = await waitFor(async () => { const e = (await dashboard()).quality.errors || 0; return e >= before + 2 ? e : false; },
        '/api/dashboard quality.errors to count the two failed fetches', 20000);
      await page.close();
      return `"${box}"; ${refused} configuration requests, errors ${before} -> ${after}`;
    });

    await check('f: the count is not a live region (one polite announcement instead); diagnostics behind a closed toggle', async () => {
      const a11y = await fast.evaluate(() => {
        const el = document.getElementById('viewer-count');
        const ann = document.getElementById('count-announcement');
        const d = document.getElementById('diagnostics');
        return { role: el.getAttribute('role'), live: el.getAttribute('aria-live'), annLive: ann.getAttribute('aria-live'),
                 ann: ann.textContent, open: d.open, tag: d.tagName, idInside: d.contains(document.getElementById('stat-player-id')),
                 statsVisible: document.getElementById('stat-segments').checkVisibility() };
      });
      assert(a11y.role === null && a11y.live === 'off', `the count has role=${a11y.role} aria-live=${a11y.live}`);
      assert(a11y.annLive === 'polite' && /watching/.test(a11y.ann), `announcement ${JSON.stringify(a11y)}`);
      assert(a11y.tag === 'DETAILS' && !a11y.open && a11y.idInside && !a11y.statsVisible, `diagnostics ${JSON.stringify(a11y)}`);
      await fast.screenshot({ path: path.join(ARTIFACTS, 'player-viewer.png'), fullPage: true });
      return `announced "${a11y.ann}"`;
    });

    await check('no uncaught page errors', async () => {
      assert(pageErrors.length === 0, pageErrors.join(' | '));
    });
  } finally {
    await proxy.close();
    await browser.close();
  }
  finish('viewers');
}

main().catch((err) => { console.error(err); process.exit(1); });
