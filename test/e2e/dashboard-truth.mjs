#!/usr/bin/env node
// streampulse browser test of what the dashboard says it shows (issue 17, points 2 and 7), in real
// Chromium against a running service:
//   a  a stream nobody has watched: "No viewers yet" said plainly, not a wall of dashes
//   b  while players send heartbeats (10 browsers, QQBrowser and tvOS among them, a 25,000 kbps
//      rendition): the bitrate reads "25,000" uncut; the browser legend shows 7 names and
//      "+3 more", each with a count and a share, no colour twice; names as sent ("QQBrowser",
//      "tvOS"); the quality cards say "from n of N players reporting ..." and, from 2 players,
//      "Not enough data"
//   c  once they stop: the "now" charts are empty and say "Nobody is watching now" (no stale
//      splits shown as now), while the "last hour" view still shows them, labelled so
//   d  unique viewers ("viewers": {active, total} in the dashboard JSON) show beside the players
//      figures ("1,204 views · 1,180 unique viewers"), active with "now", total with the last
//      hour; a dashboard without the field shows none (the page works before and after it)
// Screenshots: test-artifacts/dashboard-truth-{empty,busy,phone,now-empty,last-hour,unique-viewers}.png.
//
//   STREAMPULSE_URL  the running service [http://127.0.0.1:18480]
//   E2E_ADMIN_TOKEN  the service's admin token (publishes heartbeats, creates a stream)
//   CHROMIUM_PATH    [/usr/bin/chromium]
// Exits 0 when every check passed, 1 otherwise.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BASE = (process.env.STREAMPULSE_URL || 'http://127.0.0.1:18480').replace(/\/+$/, '');
const ADMIN = process.env.E2E_ADMIN_TOKEN || '';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const BROWSERS = ['Google Chrome', 'Firefox', 'Safari', 'Microsoft Edge', 'QQBrowser', 'Opera',
  'Samsung Internet', 'Vivaldi', 'Brave', 'YaBrowser'];

let passed = 0;
let failed = 0;
function log(line) { process.stdout.write(line + '\n'); }
async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    log(`  ✔  ${name}${detail ? ` (${detail})` : ''}`);
    return true;
  } catch (err) {
    failed++;
    log(`  ✘  ${name}: ${err && err.message ? err.message : err}`);
    return false;
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
async function waitFor(fn, timeout, what) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function dashboardJson(query = '') {
  const res = await fetch(`${BASE}/api/dashboard${query}`);
  if (!res.ok) throw new Error(`GET /api/dashboard${query} answered ${res.status}`);
  return res.json();
}

// The players: one per browser, the QQBrowser one on tvOS at 25,000 kbps; two report
// rebuffering (too few for a confident share).
function heartbeat(i) {
  const hb = { playerId: `e2e-truth-${i}`, bitrate: i === 4 ? 25000 : 1200 + i * 100, playTime: 10 + i,
    agent: { browser: BROWSERS[i], os: i === 4 ? 'tvOS' : 'Windows', device: i === 4 ? 'TV' : 'Desktop' } };
  if (i < 2) { hb.rebufferCount = 0; hb.rebufferMs = 0; }
  return JSON.stringify(hb);
}
let publishing = null;
async function publishAll() {
  await Promise.all(BROWSERS.map(async (_b, i) => {
    const res = await fetch(`${BASE}/topics/video/stream`, {
      method: 'POST', headers: { Authorization: ADMIN, 'Content-Type': 'text/plain' }, body: heartbeat(i) });
    if (res.status !== 204) throw new Error(`publishing answered ${res.status}: ${await res.text()}`);
  }));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streampulse-dashboard-truth-'));
let ctx;
const streamId = `e2e-empty-${Date.now()}`;
try {
  if (!ADMIN) throw new Error('E2E_ADMIN_TOKEN is needed to publish heartbeats');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS,
    viewport: { width: 1280, height: 900 } });
  const page = ctx.pages()[0] || (await ctx.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await check('a  a stream nobody watched says "No viewers yet", not a wall of dashes', async () => {
    const put = await fetch(`${BASE}/api/streams/${streamId}`, {
      method: 'PUT', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Nobody watches this', url: '/media/sample/master.m3u8' }) });
    assert(put.status === 201, `PUT /api/streams/${streamId} answered ${put.status}`);
    await page.goto(`${BASE}/dashboard?stream=${streamId}`, { waitUntil: 'load' });
    await waitFor(() => page.isVisible('#empty-state'), 5000, 'the empty state');
    const text = (await page.textContent('#empty-state')).replace(/\s+/g, ' ');
    assert(text.includes('No viewers yet'), `empty state reads "${text}"`);
    const dashes = await page.evaluate(() => [...document.querySelectorAll('main *')]
      .filter((el) => el.children.length === 0 && el.textContent.trim() === '—' && el.offsetParent !== null).length);
    assert(dashes === 0, `${dashes} dashes visible`);
    const active = (await page.textContent('#active-players')).trim();
    assert(active === '0', `active players read "${active}"`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-truth-empty.png'), fullPage: true });
    return `${dashes} dashes, active "${active}"`;
  });
  await fetch(`${BASE}/api/streams/${streamId}`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN}` } });

  await publishAll();
  publishing = setInterval(() => { publishAll().catch(() => {}); }, 400);
  await waitFor(async () => (await dashboardJson()).now.players >= BROWSERS.length, 5000, 'the players to be active');
  await page.goto(`${BASE}/dashboard`, { waitUntil: 'load' });
  await waitFor(() => page.evaluate(() => document.querySelectorAll('#legend-browsers li').length >= 8), 10000,
    'the browser legend');

  await check('b  a 25,000 kbps bitrate reads in full, at desktop, tablet and phone widths', async () => {
    const seen = [];
    for (const width of [1280, 1000, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const r = await waitFor(() => page.evaluate(() => {
      const el = document.getElementById('bitrate-max');
      const box = el.getBoundingClientRect();
      const card = el.closest('.kpi').getBoundingClientRect();
      const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || box.height;
      return el.textContent === '25,000' ? { text: el.textContent, sw: el.scrollWidth, cw: el.clientWidth,
        inside: box.left >= card.left && box.right <= card.right, oneLine: box.height <= lineHeight * 1.5 } : null;
    }), 5000, '#bitrate-max to read 25,000');
    assert(r.sw <= r.cw, `"${r.text}" overflows its box (${r.sw} > ${r.cw} px)`);
    assert(r.inside, `"${r.text}" sticks out of its card at ${width} px`);
    assert(r.oneLine, `"${r.text}" is broken over lines at ${width} px`);
    seen.push(`${width} px: ${r.sw} of ${r.cw} px`);
    if (width === 390) await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-truth-phone.png'), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    return `"25,000" on one line inside its card (${seen.join('; ')})`;
  });

  await check('b  the browser legend says "+N more", with counts, shares and no colour twice', async () => {
    const api = await dashboardJson();
    const names = Object.keys(api.now.agents.browsers).length;
    const legend = await page.evaluate(() => [...document.querySelectorAll('#legend-browsers li')].map((li) => ({
      name: li.querySelector('.name').textContent, figures: li.querySelector('.figures').textContent,
      colour: li.querySelector('.swatch').style.background })));
    assert(names >= 10, `only ${names} browsers active: ${JSON.stringify(api.now.agents.browsers)}`);
    assert(legend.length === 8, `${legend.length} legend entries`);
    const more = legend[legend.length - 1];
    assert(more.name === `+${names - 7} more`, `last entry "${more.name}" for ${names} browsers`);
    for (const e of legend) assert(/^[\d,]+ · [\d.]+ %$/.test(e.figures), `"${e.name}" figures "${e.figures}"`);
    const colours = legend.map((e) => e.colour);
    assert(new Set(colours).size === colours.length, `colours repeat: ${JSON.stringify(colours)}`);
    return `${legend.map((e) => `${e.name} ${e.figures}`).join('; ')}`;
  });

  await check('b  agent names show as sent ("QQBrowser", "tvOS")', async () => {
    const all = await page.evaluate(() => [...document.querySelectorAll('.legend li')].map((li) => li.querySelector('.name').textContent
      + (li.title ? ' ' + li.title : '')).join(' | '));
    assert(all.includes('QQBrowser'), `legends: ${all}`);
    assert(all.includes('tvOS'), `legends: ${all}`);
    assert(!/Qq Browser|Tvos|Google chrome/.test(all), `mangled names: ${all}`);
    const labels = await page.evaluate(() => window.Chart.getChart(document.getElementById('chart-os')).data.labels);
    assert(labels.includes('tvOS'), `os chart labels ${JSON.stringify(labels)}`);
    return all;
  });

  await check('b  quality cards say "from n of N players reporting", "Not enough data" from few', async () => {
    const r = await waitFor(() => page.evaluate(() => ({
      zero: document.getElementById('q-zero-buffer').textContent,
      zeroN: document.getElementById('q-zero-buffer-n').textContent,
      bitrateN: document.getElementById('q-bitrate-twa-n').textContent
    })).then((x) => (/^from \d+ of [\d,]+ players reporting rebuffering/.test(x.zeroN) ? x : null)), 5000,
    'the zero-buffer card\'s "n of N" line');
    const api = await dashboardJson();
    const n = api.quality.reporting.rebuffering;
    assert(r.zeroN.startsWith(`from ${n} of ${api.quality.reporting.players.toLocaleString('en-US')} players`), `"${r.zeroN}" vs api ${JSON.stringify(api.quality.reporting)}`);
    if (n < 10) assert(r.zero === 'Not enough data', `zero buffer reads "${r.zero}" from ${n} players`);
    assert(/^from [\d,]+ of [\d,]+ players reporting a bitrate/.test(r.bitrateN), `bitrate card "${r.bitrateN}"`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-truth-busy.png'), fullPage: true });
    return `"${r.zero}", "${r.zeroN}"`;
  });

  clearInterval(publishing);
  publishing = null;
  await waitFor(async () => {
    const d = await dashboardJson();
    return d.now.players === 0 && d.players.active === 0;
  }, 20000, 'nobody active');

  await check('c  with nobody watching, no stale splits are shown as "now"', async () => {
    const r = await waitFor(() => page.evaluate(() => {
      const items = document.querySelectorAll('#legend-browsers li').length;
      const note = document.querySelector('#chart-browsers').parentElement.querySelector('.chart-empty');
      const chart = window.Chart.getChart(document.getElementById('chart-browsers'));
      return items === 0 ? { items, note: note.hidden ? null : note.textContent, slices: chart.data.labels.length,
        tag: document.querySelector('#charts [data-scope-tag]').textContent,
        bitrate: document.getElementById('bitrate-max').textContent,
        scope: window.streampulseDashboard.scope } : null;
    }), 5000, 'the browser legend to empty');
    assert(r.scope === 'now', `scope ${r.scope}`);
    assert(r.note === 'Nobody is watching now.', `the chart says ${JSON.stringify(r.note)}`);
    assert(r.slices === 0, `${r.slices} slices drawn`);
    assert(r.tag === 'now', `tag "${r.tag}"`);
    assert(r.bitrate === '—', `bitrate max reads "${r.bitrate}" with nobody watching`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-truth-now-empty.png'), fullPage: true });
    return JSON.stringify(r);
  });

  await check('c  the last hour\'s splits stay available, labelled "last hour"', async () => {
    await page.click('#scope-retention');
    const r = await waitFor(() => page.evaluate(() => {
      const items = [...document.querySelectorAll('#legend-browsers li .name')].map((e) => e.textContent);
      return items.length ? { items, tag: document.querySelector('#charts [data-scope-tag]').textContent,
        of: document.querySelector('#charts [data-scope-of]').textContent } : null;
    }), 5000, 'the retention legend');
    assert(r.tag === 'last hour', `tag "${r.tag}"`);
    assert(/players seen in the last hour$/.test(r.of), `caption "${r.of}"`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-truth-last-hour.png'), fullPage: true });
    await page.click('#scope-now');
    return `${r.items.length} entries, "${r.of}"`;
  });

  await check('d  unique viewers show beside the players figures when the service sends them, nothing when not', async () => {
    const fmt = (n) => n.toLocaleString('en-US');
    const plural = (n, one) => `${fmt(n)} ${one}${n === 1 ? '' : 's'}`;
    const read = (p) => p.evaluate(() => Object.fromEntries(['active-viewers', 'total-viewers', 'scope-now-viewers',
      'scope-retention-viewers'].map((id) => { const el = document.getElementById(id); return [id, el.hidden ? null : el.textContent]; })));
    // As the service is: "viewers" in the JSON or not.
    const api = await dashboardJson();
    let shown = await waitFor(async () => { const r = await read(page); return (api.viewers ? r['total-viewers'] : !r['total-viewers']) ? r : null; },
      5000, 'the unique viewers as the service sends them');
    const natural = api.viewers ? `the service sends them: ${JSON.stringify(shown)}` : 'the service sends none: none shown';
    // With the field (the feed replaced by polls of a /api/dashboard that has it), then without.
    const page2 = await ctx.newPage();
    page2.on('pageerror', (e) => errors.push(e.message));
    let viewers = null;
    await page2.route('**/api/dashboard/stream*', (route) => route.fulfill({ status: 503, body: '' }));
    await page2.route('**/api/dashboard', async (route) => {
      const res = await route.fetch();
      const d = await res.json();
      if (viewers) d.viewers = viewers(d.players); else delete d.viewers;
      await route.fulfill({ response: res, json: d });
    });
    viewers = (p) => ({ active: p.active, total: Math.max(1, p.total - 2) });
    await page2.goto(`${BASE}/dashboard`, { waitUntil: 'load' });
    const d = await dashboardJson();
    const want = viewers(d.players);
    shown = await waitFor(async () => { const r = await read(page2); return r['total-viewers'] ? r : null; }, 10000, 'the unique viewers');
    assert(shown['total-viewers'] === `${plural(d.players.total, 'view')} · ${plural(want.total, 'unique viewer')}`,
      `total card reads "${shown['total-viewers']}" for ${JSON.stringify(d.players)}`);
    assert(shown['active-viewers'] === `${plural(d.players.active, 'view')} · ${plural(want.active, 'unique viewer')}`,
      `active card reads "${shown['active-viewers']}"`);
    assert(shown['scope-retention-viewers'] === ` · ${plural(want.total, 'unique viewer')}`, `last hour option "${shown['scope-retention-viewers']}"`);
    assert(shown['scope-now-viewers'] === ` · ${plural(want.active, 'unique viewer')}`, `now option "${shown['scope-now-viewers']}"`);
    await page2.screenshot({ path: path.join(ARTIFACTS, 'dashboard-truth-unique-viewers.png') });
    viewers = null;
    const gone = await waitFor(async () => { const r = await read(page2); return Object.values(r).every((v) => v === null) ? r : null; },
      5000, 'the unique viewers to go when the field does');
    await page2.close();
    return `${natural}; with the field: "${shown['total-viewers']}", now "${shown['scope-now-viewers']}"; without: ${JSON.stringify(gone)}`;
  });

  await check('no page errors', async () => { assert(errors.length === 0, errors.join('; ')); });
} catch (err) {
  failed++;
  log(`  ✘  dashboard-truth: ${err && err.stack ? err.stack : err}`);
} finally {
  if (publishing) clearInterval(publishing);
  if (ctx) await ctx.close().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
}
log(`dashboard-truth: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
