#!/usr/bin/env node
// streampulse browser test of viewing quality, history and the live dashboard (issue 8):
//   a  two dashboards open: both receive the pushed stream (EventSource), not polling
//   b  a player without delay plays: the dashboard counts it and its buffer rate stays at 0
//   c  two open dashboards update by themselves within a second of a change the service saw
//   d  a player whose segments a test proxy delays shows up as rebuffering: buffer rate above 0,
//      stalls counted
//   e  the history chart shows the players joining and leaving (a rise, then a fall to 0)
//   f  every request the pages made went to loopback
//
//   STREAMPULSE_URL  the running service [http://127.0.0.1:18480]
//   CHROMIUM_PATH    [/usr/bin/chromium]
//   E2E_DELAY_MS     how long the proxy holds each segment [5000]
// Exits 0 when every check passed, 1 otherwise.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDelayProxy } from './delay-proxy.mjs';

const BASE = (process.env.STREAMPULSE_URL || 'http://127.0.0.1:18480').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const DELAY_MS = Number(process.env.E2E_DELAY_MS || 5000);
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

const results = [];
function log(line) { process.stdout.write(line + '\n'); }
async function check(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.push(true);
    log(`  ✔  ${name} (${Date.now() - t0} ms)${detail ? ': ' + detail : ''}`);
  } catch (err) {
    results.push(false);
    log(`  ✘  ${name} (${Date.now() - t0} ms): ${err && err.message ? err.message : err}`);
  }
}
function fail(message) { throw new Error(message); }
async function waitFor(fn, timeout, what) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
    if (Date.now() > deadline) fail(`${what}: not within ${timeout} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function dashboardJson() {
  const res = await fetch(BASE + '/api/dashboard');
  if (!res.ok) fail(`GET /api/dashboard answered ${res.status}`);
  return res.json();
}

const requests = [];
const tmpDirs = [];
const contexts = [];
async function profile(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `streampulse-quality-${label}-`));
  tmpDirs.push(dir);
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 }, timeout: 30000
  });
  contexts.push(ctx);
  ctx.on('request', (req) => requests.push(req.url()));
  return ctx;
}
async function open(ctx, url) {
  const page = ctx.pages().find((p) => p.url() === 'about:blank') || (await ctx.newPage());
  await page.goto(url, { waitUntil: 'load', timeout: 20000 });
  return page;
}
// Records on the page when #active-players changes (the page's clock is this machine's).
async function watchActive(page) {
  await page.evaluate(() => {
    window.__activeChanges = [];
    const el = document.getElementById('active-players');
    new MutationObserver(() => window.__activeChanges.push({ t: Date.now(), text: el.textContent }))
      .observe(el, { childList: true, characterData: true, subtree: true });
  });
}
async function playing(page, seconds) {
  await waitFor(() => page.evaluate((s) => document.getElementById('video').currentTime > s, seconds),
                30000, `video passes ${seconds} s`);
}

const overall = setTimeout(() => { log('quality: overall timeout'); process.exit(1); }, 240000);
let proxy;
try {
  log(`streampulse quality suite against ${BASE} (segment delay ${DELAY_MS} ms)`);
  proxy = await startDelayProxy(BASE, DELAY_MS);
  const dashCtx = await profile('dashboards');
  const dashA = await open(dashCtx, BASE + '/dashboard');
  const dashB = await open(dashCtx, BASE + '/dashboard');

  await check('a  both dashboards receive the pushed stream', async () => {
    for (const d of [dashA, dashB]) {
      await waitFor(() => d.evaluate(() => window.streampulseDashboard.mode === 'stream' &&
                                      !!window.streampulseDashboard.last), 5000, 'stream mode with an update');
    }
    return 'mode=stream on both';
  });

  // Start from no active players (earlier suites' players have left the window).
  await waitFor(async () => (await dashboardJson()).players.active === 0, 90000, 'no active players');
  await watchActive(dashA);
  await watchActive(dashB);

  const smoothCtx = await profile('smooth');
  let smooth;
  await check('b  a player without delay plays and its buffer rate stays at 0', async () => {
    smooth = await open(smoothCtx, BASE + '/');
    await playing(smooth, 3);
    await waitFor(async () => (await dashboardJson()).players.active >= 1, 10000, 'active player');
    const rates = [];
    for (let i = 0; i < 6; i++) {
      const q = await dashA.evaluate(() => window.streampulseDashboard.last.quality);
      rates.push(q.bufferRate);
      if (q.bufferRate !== 0) fail(`buffer rate ${q.bufferRate} (want 0), quality ${JSON.stringify(q)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const q = await dashA.evaluate(() => window.streampulseDashboard.last.quality);
    return `bufferRate ${rates.join(',')}; startup p50 ${q.startupMs && q.startupMs.p50} ms`;
  });

  await check('c  two dashboards update by themselves within a second of a change', async () => {
    // The service sees the player leave (active 1 -> 0) when its heartbeats stop; find that
    // moment by polling the API, then compare with when each page changed.
    const closedAt = Date.now();
    await smooth.close();
    const seen = await waitFor(async () => ((await dashboardJson()).players.active === 0 ? Date.now() : 0),
                               15000, 'the service sees 0 active');
    const lags = [];
    for (const d of [dashA, dashB]) {
      // Only changes after the player left: the page also showed 0 before it joined.
      const changes = await waitFor(() => d.evaluate((since) => {
        const c = window.__activeChanges.filter((x) => x.text === '0' && x.t >= since);
        return c.length ? c : null;
      }, closedAt), 3000, 'page shows 0');
      lags.push(changes[0].t - seen);
    }
    // Negative: the page was first (the API poll runs every 100 ms).
    if (lags.some((l) => l > 1000)) fail(`lags ${lags.join(', ')} ms`);
    return `lags ${lags.join(', ')} ms after the API poll saw it`;
  });

  const slowCtx = await profile('delayed');
  let slow;
  await check('d  a player behind the delaying proxy shows up as rebuffering', async () => {
    slow = await open(slowCtx, proxy.url + '/');
    let best = null;
    await waitFor(async () => {
      const q = await dashA.evaluate(() => window.streampulseDashboard.last.quality);
      if (q.bufferRate > 0 && q.rebufferCount > 0) best = q;
      return best;
    }, 90000, 'buffer rate above 0 with stalls counted');
    return `bufferRate ${best.bufferRate}, stalls ${best.rebufferCount}, ${best.rebufferMs} ms stalled, ` +
           `${proxy.delayed} segments delayed`;
  });

  await check('e  the history chart shows the players joining and leaving', async () => {
    if (slow) await slow.close();
    await waitFor(async () => (await dashboardJson()).players.active === 0, 15000, 'everybody left');
    const ys = await waitFor(() => dashB.evaluate(() => {
      const c = window.streampulseQuality.historyChart;
      if (!c) return null;
      const ys = c.data.datasets[0].data.map((p) => p.y).filter((y) => y !== null);
      const peak = Math.max(...ys);
      const lastY = ys[ys.length - 1];
      return peak >= 1 && lastY === 0 ? ys : null;
    }), 5000, 'a rise and a fall in the chart');
    return `${ys.length} points, peak ${Math.max(...ys)}, last ${ys[ys.length - 1]}`;
  });

  await check('f  every request went to loopback', async () => {
    const outside = requests.filter((u) => {
      try { return !LOOPBACK.has(new URL(u).hostname) && !u.startsWith('data:') && !u.startsWith('blob:'); }
      catch { return false; }
    });
    if (outside.length) fail(outside.slice(0, 5).join(', '));
    return `${requests.length} requests`;
  });
} catch (err) {
  results.push(false);
  log(`  ✘  aborted: ${err && err.stack ? err.stack : err}`);
} finally {
  for (const c of contexts) await c.close().catch(() => {});
  if (proxy) await proxy.close().catch(() => {});
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  clearTimeout(overall);
}
const failed = results.filter((r) => !r).length;
log(`quality: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
