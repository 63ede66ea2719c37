#!/usr/bin/env node
// streampulse end-to-end suite: the player and dashboard pages in a real (headless) Chromium
// against a running service.
//
//   STREAMPULSE_URL   base URL of the running service [http://127.0.0.1:18080]
//   CHROMIUM_PATH     the browser [/usr/bin/chromium] (Debian's chromium package)
//   E2E_ARTIFACTS     where screenshots go [test-artifacts/ in the repo]
//   E2E_ADMIN_TOKEN   the service's STREAMPULSE_ADMIN_TOKEN, if any: enables the simulation check
//
// The caller starts the service with the sample media (scripts/make-sample-media.sh) and the
// vendored assets (scripts/vendor-assets.sh), e.g.
//   STREAMPULSE_MEDIA_DIR=media ./build/streampulse serve --listen 127.0.0.1:18080 &
//   node test/e2e/run.mjs
//
// Scenarios:
//   a  one player: the video plays (currentTime passes 1 s) and the overlay reads 1
//   b  a second player in another browser profile: both overlays read 2; a second tab of the
//      first browser is a view of its own: 3, and 2 again once it closes
//   c  the dashboard: 2 active players, the browser's name in the browser chart, charts drawn,
//      "Last refreshed" moving
//   d  every request the pages made went to loopback
//   e  screenshots test-artifacts/player.png and test-artifacts/dashboard.png
//   f  pausing the second player takes it out of the count: the first overlay reads 1 again
//   g  the dashboard's simulation form: a wrong admin token shows the service's error message;
//      with E2E_ADMIN_TOKEN, 3 simulated players start and the dashboard counts them
//   h  refusals at capacity (429/503 with Retry-After) on player 1's heartbeats and count polls:
//      it waits Retry-After between tries (no tight loop) and is counted again afterwards
// Exits 0 when every check passed, 1 otherwise; prints one line per check and a summary.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BASE = (process.env.STREAMPULSE_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS || path.join(repoRoot, 'test-artifacts'));
const ADMIN_TOKEN = process.env.E2E_ADMIN_TOKEN || '';
const OVERALL_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS || 180000);
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'
];
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

// ------------------------------------------------------------------ tiny test harness

const results = []; // {name, ok, ms, detail}
let aborted = null;

function log(line) { process.stdout.write(line + '\n'); }

async function check(name, fn) {
  if (aborted) {
    results.push({ name, ok: null, ms: 0, detail: 'skipped: ' + aborted });
    log(`  -  ${name} (skipped)`);
    return undefined;
  }
  const t0 = Date.now();
  try {
    const detail = await fn();
    const ms = Date.now() - t0;
    results.push({ name, ok: true, ms, detail });
    log(`  ✔  ${name} (${ms} ms)${detail ? ': ' + detail : ''}`);
    return true;
  } catch (err) {
    const ms = Date.now() - t0;
    const detail = err && err.message ? err.message : String(err);
    results.push({ name, ok: false, ms, detail });
    log(`  ✘  ${name} (${ms} ms): ${detail}`);
    return false;
  }
}

function fail(message) { throw new Error(message); }

function assert(cond, message) { if (!cond) fail(message); }

// Polls fn() until it returns a truthy value; fails with describe() of the last value.
async function waitFor(fn, { timeout = 10000, interval = 200, describe } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const what = describe ? describe(last) : JSON.stringify(last);
      fail(`not true within ${timeout} ms (last: ${what})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

async function getJson(pathname) {
  const res = await fetch(BASE + pathname, { headers: { Accept: 'application/json' } });
  if (!res.ok) fail(`GET ${pathname} answered ${res.status}`);
  return res.json();
}

// ------------------------------------------------------------------ browser plumbing

const requests = [];            // every URL a page asked for: [{url, page}]
const pageErrors = [];          // uncaught exceptions and console errors
const expectedFailures = [];    // URL parts whose 4xx answers a check provokes on purpose
const tmpDirs = [];
const contexts = [];

async function newProfile(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `streampulse-e2e-${label}-`));
  tmpDirs.push(dir);
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    colorScheme: 'light',
    timeout: 30000
  });
  contexts.push(ctx);
  ctx.on('request', (req) => requests.push({ url: req.url(), from: label }));
  ctx.on('page', (page) => watchPage(page, label));
  for (const p of ctx.pages()) watchPage(p, label);
  return ctx;
}

function watchPage(page, label) {
  if (page.__watched) return;
  page.__watched = true;
  page.on('pageerror', (err) => pageErrors.push(`[${label}] uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = (msg.location() && msg.location().url) || '';
    // The browser logs every 4xx/5xx answer; the ones a check provokes on purpose are fine.
    if (/^Failed to load resource/.test(msg.text()) && expectedFailures.some((p) => where.includes(p))) return;
    pageErrors.push(`[${label}] console.error: ${msg.text()}${where ? ' (' + where + ')' : ''}`);
  });
}

async function openPage(ctx, pathname) {
  const page = ctx.pages().find((p) => p.url() === 'about:blank') || (await ctx.newPage());
  const res = await page.goto(BASE + pathname, { waitUntil: 'load', timeout: 20000 });
  assert(res && res.ok(), `GET ${pathname} answered ${res ? res.status() : 'nothing'}`);
  return page;
}

const videoTime = (page) => page.evaluate(() => document.getElementById('video').currentTime);
const overlayCount = (page) => page.evaluate(() => {
  const el = document.getElementById('viewer-count');
  return { count: el.dataset.count, text: el.textContent.replace(/\s+/g, ' ').trim() };
});

async function waitForOverlay(page, expected, timeout) {
  return waitFor(async () => {
    const o = await overlayCount(page);
    return o.count === String(expected) && o.text.includes(`${expected} watching`) ? o : false;
  }, { timeout, describe: () => 'overlay not showing ' + expected });
}

// Reads the overlay once more on failure, for the message.
async function overlayState(page) {
  try { return JSON.stringify(await overlayCount(page)); } catch { return '?'; }
}

// ------------------------------------------------------------------ the scenarios

async function main() {
  log(`streampulse e2e against ${BASE}`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  let config;
  const ready = await check('service answers /api/player-config, /api/dashboard and serves the page assets', async () => {
    try {
      config = await getJson('/api/player-config');
    } catch (err) {
      fail(`cannot reach ${BASE} (${err.cause ? err.cause.code || err.cause.message : err.message}); ` +
        'start the service first, e.g. STREAMPULSE_MEDIA_DIR=media ./build/streampulse serve --listen 127.0.0.1:18080');
    }
    assert(config.topics && typeof config.topics.token === 'string', 'player-config has no topics.token');
    assert(config.stream && config.stream.url, 'player-config has no stream.url');
    await getJson('/api/dashboard');
    for (const asset of ['/static/vendor/hls.min.js', '/static/vendor/chart.umd.min.js', '/static/player.js', '/static/dashboard.js', '/static/agent.js']) {
      const res = await fetch(BASE + asset);
      assert(res.ok, `GET ${asset} answered ${res.status}` + (asset.includes('vendor') ? ' (run scripts/vendor-assets.sh)' : ''));
    }
    const streamUrl = new URL(config.stream.url, BASE + '/').href;
    const m = await fetch(streamUrl);
    assert(m.ok, `the stream ${streamUrl} answered ${m.status} (run scripts/make-sample-media.sh and give the service the media dir)`);
    return `stream ${config.stream.url}, heartbeat every ${config.heartbeatIntervalMs} ms`;
  });
  if (!ready) aborted = 'the service is not ready';

  let ctx1, ctx2, page1, page2, dash;

  await check('a: player 1 plays the stream (currentTime passes 1 s)', async () => {
    if (!fs.existsSync(CHROMIUM)) fail(`no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    ctx1 = await newProfile('profile1');
    page1 = await openPage(ctx1, '/');
    const t = await waitFor(async () => { const v = await videoTime(page1); return v > 1 ? v : false; },
      { timeout: 20000, describe: () => 'video currentTime stuck' });
    return `currentTime ${t.toFixed(2)} s`;
  }) || (aborted = aborted || 'player 1 does not play');

  await check('a: player 1 overlay reads "1 watching"', async () => {
    const o = await waitForOverlay(page1, 1, 10000).catch(async (e) => fail(e.message + ' ' + await overlayState(page1)));
    return `"${o.text}"`;
  });

  await check('a: heartbeat body has the contract shape', async () => {
    const hb = await page1.evaluate(() => window.streampulse.heartbeatBody());
    assert(/^[A-Za-z0-9_-]{1,64}$/.test(hb.playerId), 'bad playerId ' + hb.playerId);
    const issued = await page1.evaluate(() => window.streampulse.config.playerId);
    assert(hb.playerId === issued, `heartbeats under ${hb.playerId}, not the issued playerId ${issued}`);
    assert(Number.isInteger(hb.bitrate) && hb.bitrate >= 0 && hb.bitrate <= 1e6, 'bad bitrate ' + hb.bitrate);
    assert(Number.isInteger(hb.playTime) && hb.playTime >= 0, 'bad playTime ' + hb.playTime);
    assert(hb.agent && ['os', 'browser', 'device'].every((k) => typeof hb.agent[k] === 'string' && hb.agent[k].length <= 64), 'bad agent ' + JSON.stringify(hb.agent));
    assert(hb.bitrate > 0, 'bitrate still 0 while playing');
    return JSON.stringify(hb);
  });

  let secondStartedAt = 0;
  await check('b: player 2 (another browser profile) plays, with another playerId', async () => {
    ctx2 = await newProfile('profile2');
    secondStartedAt = Date.now();
    page2 = await openPage(ctx2, '/');
    await waitFor(async () => (await videoTime(page2)) > 1, { timeout: 20000, describe: () => 'video currentTime stuck' });
    const [id1, id2] = await Promise.all([page1, page2].map((p) => p.evaluate(() => window.streampulse.playerId)));
    assert(id1 !== id2, `both players have playerId ${id1}`);
    return `${id1} and ${id2}`;
  }) || (aborted = aborted || 'player 2 does not play');

  await check('b: both overlays read "2 watching" within ~5 s', async () => {
    await Promise.all([page1, page2].map((p) => waitForOverlay(p, 2, 8000)))
      .catch(async (e) => fail(`${e.message}: player1 ${await overlayState(page1)}, player2 ${await overlayState(page2)}`));
    return `${((Date.now() - secondStartedAt) / 1000).toFixed(1)} s after player 2 was opened`;
  });

  await check('b: a second tab of player 1\'s browser is a view of its own: the overlays read 3, and 2 again once it closes', async () => {
    const tab = await ctx1.newPage();
    const res = await tab.goto(BASE + '/', { waitUntil: 'load', timeout: 20000 });
    assert(res && res.ok(), `GET / in a second tab answered ${res ? res.status() : 'nothing'}`);
    await waitFor(async () => (await videoTime(tab)) > 1, { timeout: 20000, describe: () => 'video currentTime stuck in the second tab' });
    const [id1, idTab] = await Promise.all([page1, tab].map((p) => p.evaluate(() => window.streampulse.playerId)));
    assert(id1 !== idTab, `both tabs of one browser have playerId ${id1}`);
    await Promise.all([page1, page2, tab].map((p) => waitForOverlay(p, 3, 8000)))
      .catch(async (e) => fail(`${e.message}: player1 ${await overlayState(page1)}, tab ${await overlayState(tab)}`));
    await tab.close();
    const closedAt = Date.now();
    await Promise.all([page1, page2].map((p) => waitForOverlay(p, 2, 8000)))
      .catch(async (e) => fail(`${e.message} after the tab closed: player1 ${await overlayState(page1)}`));
    return `3 with the tab (${idTab}), 2 again ${((Date.now() - closedAt) / 1000).toFixed(1)} s after it closed`;
  });

  await check('c: dashboard shows 2 active players', async () => {
    dash = await openPage(ctx1, '/dashboard');
    await waitFor(async () => (await dash.textContent('#active-players')).trim() === '2',
      { timeout: 10000, describe: () => 'active-players is not 2' })
      .catch(async (e) => fail(`${e.message} (shows "${(await dash.textContent('#active-players')).trim()}")`));
    const api = await getJson('/api/dashboard');
    assert(api.players.active === 2, `/api/dashboard says active=${api.players.active}`);
    const empty = await dash.isVisible('#empty-state');
    assert(!empty, 'the empty state is visible with players present');
    const total = Number((await dash.textContent('#total-players')).replace(/,/g, ''));
    assert(total >= 2, `total-players shows ${total}`);
    for (const id of ['avg-play-time', 'bitrate-min', 'bitrate-avg', 'bitrate-max']) {
      const t = (await dash.textContent('#' + id)).trim();
      assert(t && t !== '—', `#${id} shows "${t}" with players present`);
    }
    return `total ${total}, api ${JSON.stringify(api.players)}`;
  });

  await check('c: the browser chart names the headless Chromium (as /api/dashboard does)', async () => {
    const agent = await page1.evaluate(() => window.streampulse.agent);
    const name = agent.browser.toLowerCase();
    const api = await getJson('/api/dashboard');
    const apiNames = Object.keys(api.agents.browsers);
    assert(apiNames.includes(name), `/api/dashboard browsers ${JSON.stringify(api.agents.browsers)} lack "${name}"`);
    const labels = await waitFor(async () => {
      const l = await dash.evaluate(() => {
        const c = window.Chart && window.Chart.getChart(document.getElementById('chart-browsers'));
        return c ? c.data.labels.map((x) => String(x).toLowerCase()) : null;
      });
      return l && l.includes(name) ? l : false;
    }, { timeout: 5000, describe: (l) => 'chart labels ' + JSON.stringify(l) });
    return `"${agent.browser}" (api ${JSON.stringify(api.agents.browsers)}, chart ${JSON.stringify(labels)})`;
  });

  await check('c: the four charts are drawn', async () => {
    await dash.waitForTimeout(700); // let the first animation finish
    const drawn = await dash.evaluate(() => ['chart-browsers', 'chart-devices', 'chart-os', 'chart-bitrate'].map((id) => {
      const canvas = document.getElementById(id);
      const chart = window.Chart && window.Chart.getChart(canvas);
      const sum = chart ? chart.data.datasets[0].data.reduce((a, b) => a + (Number(b) || 0), 0) : 0;
      let ink = 0;
      if (canvas.width && canvas.height) {
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
      }
      return { id, hasChart: !!chart, sum, ink, size: `${canvas.width}x${canvas.height}` };
    }));
    const bad = drawn.filter((d) => !d.hasChart || d.sum <= 0 || d.ink < 200);
    assert(bad.length === 0, 'not drawn: ' + JSON.stringify(bad));
    return drawn.map((d) => `${d.id} ${d.ink} px`).join(', ');
  });

  await check('c: "Last refreshed at HH:MM:SS" updates by itself', async () => {
    const read = () => dash.evaluate(() => {
      const el = document.getElementById('last-refreshed');
      return { text: el.textContent.trim(), ts: el.dataset.ts };
    });
    const first = await read();
    assert(/^Last refreshed at \d\d:\d\d:\d\d$/.test(first.text), `reads "${first.text}"`);
    const second = await waitFor(async () => { const s = await read(); return s.text !== first.text ? s : false; },
      { timeout: 4000, describe: () => `still "${first.text}"` });
    return `"${first.text}" -> "${second.text}"`;
  });

  await check('e: screenshots test-artifacts/player.png and test-artifacts/dashboard.png', async () => {
    await page1.bringToFront();
    await page1.screenshot({ path: path.join(ARTIFACTS, 'player.png'), fullPage: true });
    await dash.bringToFront();
    await dash.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    for (const f of ['player.png', 'dashboard.png']) {
      const size = fs.statSync(path.join(ARTIFACTS, f)).size;
      assert(size > 10000, `${f} is only ${size} bytes`);
    }
    return ARTIFACTS;
  });

  await check('f: pausing player 2 takes it out of the count (player 1 reads 1 again)', async () => {
    await page2.evaluate(() => document.getElementById('video').pause());
    const t0 = Date.now();
    await waitForOverlay(page1, 1, 10000).catch(async (e) => fail(`${e.message} ${await overlayState(page1)}`));
    return `after ${((Date.now() - t0) / 1000).toFixed(1)} s`;
  });

  await check('h: refusals at capacity (429/503 with Retry-After: 2) make player 1 wait, then it counts again', async () => {
    // What the service answers past its connection and long-poll caps, played by the browser
    // for both of the page's topic requests: the page must wait Retry-After, not retry at once.
    expectedFailures.push('/topics/');
    const seen = { beat: [], poll: [] };
    await page1.route('**/topics/**', (route) => {
      const beat = route.request().method() === 'POST';
      seen[beat ? 'beat' : 'poll'].push(Date.now());
      return route.fulfill({
        status: beat ? 503 : 429,
        headers: { 'Retry-After': '2', 'Content-Type': 'application/json' },
        body: JSON.stringify({ error: beat ? 'overloaded' : 'resource_exhausted', message: 'at capacity (e2e)' })
      });
    });
    await new Promise((r) => setTimeout(r, 7000));
    await page1.unroute('**/topics/**');
    const gaps = (ts) => ts.slice(1).map((t, i) => t - ts[i]);
    const shortest = (ts) => (ts.length > 1 ? Math.min(...gaps(ts)) : Infinity);
    assert(seen.beat.length >= 2, `${seen.beat.length} heartbeats tried in 7 s`);
    assert(seen.poll.length >= 2, `${seen.poll.length} count polls tried in 7 s`);
    assert(shortest(seen.beat) >= 1900, `heartbeats retried ${shortest(seen.beat)} ms apart: ${gaps(seen.beat)}`);
    assert(shortest(seen.poll) >= 1900, `count polls retried ${shortest(seen.poll)} ms apart: ${gaps(seen.poll)}`);
    await waitForOverlay(page1, 1, 10000).catch(async (e) => fail(`${e.message} ${await overlayState(page1)}`));
    return `in 7 s: ${seen.beat.length} heartbeats (${gaps(seen.beat).join(', ')} ms apart), ` +
      `${seen.poll.length} count polls (${gaps(seen.poll).join(', ')} ms apart); counted again after`;
  });

  await check('g: the simulation form shows the service\'s error for a wrong admin token', async () => {
    await dash.bringToFront();
    expectedFailures.push('/api/simulations');
    await dash.fill('#sim-count', '3');
    await dash.fill('#sim-token', 'not-the-admin-token-' + Date.now());
    await dash.click('#sim-start');
    const r = await waitFor(async () => {
      const x = await dash.evaluate(() => { const el = document.getElementById('sim-result'); return { cls: el.className, text: el.textContent, hidden: el.hidden }; });
      return !x.hidden && /\berror\b/.test(x.cls) ? x : false;
    }, { timeout: 5000, describe: (x) => JSON.stringify(x) });
    assert(/\((401|403|503)\)/.test(r.text), `unexpected message "${r.text}"`);
    return `"${r.text}"`;
  });

  if (ADMIN_TOKEN) {
    await check('g: the simulation form starts players with the admin token; the dashboard counts them', async () => {
      const before = Number((await dash.textContent('#total-players')).replace(/,/g, '')) || 0;
      await dash.fill('#sim-count', '3');
      await dash.fill('#sim-token', ADMIN_TOKEN);
      await dash.click('#sim-start');
      const r = await waitFor(async () => {
        const x = await dash.evaluate(() => { const el = document.getElementById('sim-result'); return { cls: el.className, text: el.textContent }; });
        return /\b(ok|error)\b/.test(x.cls) ? x : false;
      }, { timeout: 5000, describe: (x) => JSON.stringify(x) });
      assert(/\bok\b/.test(r.cls), `the form says "${r.text}"`);
      const stored = await dash.evaluate(() => sessionStorage.getItem('streampulse.adminToken'));
      assert(stored === ADMIN_TOKEN, 'the admin token was not kept in sessionStorage');
      const after = await waitFor(async () => {
        const n = Number((await dash.textContent('#total-players')).replace(/,/g, '')) || 0;
        return n >= before + 3 ? n : false;
      }, { timeout: 15000, describe: () => `total-players did not grow by 3 from ${before}` });
      return `"${r.text}", total players ${before} -> ${after}`;
    });
  }

  // Run last: it judges everything the pages asked for.
  await check('d: every request went to loopback', async () => {
    assert(requests.length > 0, 'no request was recorded');
    const offending = [];
    for (const { url, from } of requests) {
      let u;
      try { u = new URL(url); } catch { offending.push(`${from}: ${url}`); continue; }
      if (u.protocol === 'data:' || u.protocol === 'about:') continue;
      if (u.protocol === 'blob:') {
        try { u = new URL(url.slice(5)); } catch { continue; } // blob:null/... is local
      }
      if (!LOOPBACK_HOSTS.has(u.hostname) && !/^127\./.test(u.hostname)) offending.push(`${from}: ${url}`);
    }
    assert(offending.length === 0, `${offending.length} request(s) left loopback: ${offending.slice(0, 10).join(', ')}`);
    const hostOf = (url) => { try { return new URL(url.startsWith('blob:') ? url.slice(5) : url).host || url.split(':')[0] + ':'; } catch { return url; } };
    const hosts = [...new Set(requests.map((r) => hostOf(r.url)))];
    return `${requests.length} requests, hosts ${hosts.join(' ')}`;
  });

  await check('no uncaught page errors or console errors', async () => {
    assert(pageErrors.length === 0, pageErrors.slice(0, 10).join(' | '));
  });
}

async function cleanup() {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
}

function summary() {
  const passed = results.filter((r) => r.ok === true).length;
  const failed = results.filter((r) => r.ok === false).length;
  const skipped = results.filter((r) => r.ok === null).length;
  log('');
  if (failed) {
    log('FAILED checks:');
    for (const r of results.filter((x) => x.ok === false)) log(`  - ${r.name}: ${r.detail}`);
  }
  log(`e2e: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
  return failed === 0 && skipped === 0 && passed > 0;
}

const watchdog = setTimeout(async () => {
  log(`\ne2e: gave up after ${OVERALL_TIMEOUT_MS} ms`);
  results.push({ name: 'whole suite within the time limit', ok: false, ms: OVERALL_TIMEOUT_MS, detail: 'timed out' });
  await cleanup();
  summary();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

try {
  await main();
} catch (err) {
  results.push({ name: 'suite ran to the end', ok: false, ms: 0, detail: err.stack || String(err) });
  log('e2e: unexpected error: ' + (err.stack || err));
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(summary() ? 0 : 1);
