#!/usr/bin/env node
// streampulse browser test of agent names that are also names of Object.prototype's members
// (issue 13): a player whose browser is "__proto__" and OS and device "constructor" (the
// service lower-cases names, so these are the members a name can hit) shows by those names on
// the dashboard's charts, not as "[object Object]" or a function, and every slice gets a colour
// from the palette. Names show as the player sent them (issue 17: no re-casing); the charts show
// the players active now, so the heartbeat is repeated while the page is read.
//
//   STREAMPULSE_URL  the running service [http://127.0.0.1:18480]
//   E2E_ADMIN_TOKEN  the service's admin token (publishes the heartbeat on the topic)
//   CHROMIUM_PATH    [/usr/bin/chromium]
// Exits 0 when every check passed, 1 otherwise.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BASE = (process.env.STREAMPULSE_URL || 'http://127.0.0.1:18480').replace(/\/+$/, '');
const ADMIN = process.env.E2E_ADMIN_TOKEN || '';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function log(line) { process.stdout.write(line + '\n'); }
async function waitFor(fn, timeout, what) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let ok = false;
let keepAlive = null;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streampulse-agent-names-'));
let ctx;
try {
  if (!ADMIN) throw new Error('E2E_ADMIN_TOKEN is needed to publish the heartbeat');
  const heartbeat = JSON.stringify({ playerId: 'e2e-proto', bitrate: 800, playTime: 3,
    agent: { os: 'constructor', browser: '__proto__', device: 'constructor' } });
  const publish = () => fetch(`${BASE}/topics/video/stream`, {
    method: 'POST', headers: { Authorization: ADMIN, 'Content-Type': 'text/plain' }, body: heartbeat });
  const res = await publish();
  keepAlive = setInterval(() => { publish().catch(() => {}); }, 400);
  if (res.status !== 204) throw new Error(`publishing the heartbeat answered ${res.status}: ${await res.text()}`);
  await waitFor(async () => {
    const d = await (await fetch(`${BASE}/api/dashboard`)).json();
    return Object.hasOwn(d.agents.browsers, '__proto__') && d.agents.browsers.__proto__ >= 1;
  }, 5000, '/api/dashboard to count the "__proto__" browser');

  ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS });
  const page = ctx.pages()[0] || (await ctx.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE}/dashboard`, { waitUntil: 'load' });
  const charts = await waitFor(() => page.evaluate(() => {
    const read = (id) => {
      const c = window.Chart && window.Chart.getChart(document.getElementById(id));
      if (!c) return null;
      return { labels: c.data.labels.map(String), colours: c.data.datasets[0].backgroundColor };
    };
    const b = read('chart-browsers'), o = read('chart-os'), d = read('chart-devices');
    return b && o && d && b.labels.length && o.labels.length && d.labels.length ? { b, o, d } : null;
  }), 10000, 'the agent charts to be drawn');
  const labels = [...charts.b.labels, ...charts.o.labels, ...charts.d.labels];
  const colours = [...charts.b.colours, ...charts.o.colours, ...charts.d.colours];
  if (!charts.b.labels.includes('__proto__')) throw new Error(`browser labels ${JSON.stringify(charts.b.labels)}`);
  if (!charts.o.labels.includes('constructor')) throw new Error(`os labels ${JSON.stringify(charts.o.labels)}`);
  if (!charts.d.labels.includes('constructor')) throw new Error(`device labels ${JSON.stringify(charts.d.labels)}`);
  if (labels.some((l) => l.startsWith('[object') || l.includes('native code')))
    throw new Error(`labels read as Object.prototype's members: ${JSON.stringify(labels)}`);
  if (!colours.every((c) => typeof c === 'string' && /^#[0-9a-f]{6}$/.test(c)))
    throw new Error(`colours are not palette colours: ${JSON.stringify(colours)}`);
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  log(`  ✔  agent names "__proto__" and "constructor" show by name: ${JSON.stringify(labels)}`);
  ok = true;
} catch (err) {
  log(`  ✘  agent names: ${err && err.stack ? err.stack : err}`);
} finally {
  if (keepAlive) clearInterval(keepAlive);
  if (ctx) await ctx.close().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
}
log(`agent-names: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
