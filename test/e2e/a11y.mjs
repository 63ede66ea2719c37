#!/usr/bin/env node
// What people see is true, for everyone (issue 17): axe-core (npm devDependency, injected into
// the page) finds no violation on the player and the dashboard, in light and in dark mode
// (playwright's colorScheme emulation), and screenshots of both pages at desktop and phone sizes
// with 0, 1 and many viewers, to be looked at.
//   a  axe on: the dashboard of a stream nobody watched (0 viewers); the player on that stream
//      (playing, then with the diagnostics toggle open, then paused); the stream's dashboard
//      with its viewer; the overview of the streams; each in light and dark mode
//   b  every Chart.js canvas has a text alternative that says what it shows with the current
//      figures (role="img" and an aria-label rewritten at each render)
//   c  many viewers (POST /api/simulations, 500 players for 30 s): the dashboard counts them; axe
//      again on the busy dashboard and player
// Screenshots: test-artifacts/a11y-{player,dashboard}-{0,1,many}-{desktop,phone}.png (light),
// test-artifacts/a11y-*-dark-desktop.png.
//
//   STREAMPULSE_URL  the running service [http://127.0.0.1:18480]
//   E2E_ADMIN_TOKEN  the service's admin token (creates a stream, starts a simulation)
//   CHROMIUM_PATH    [/usr/bin/chromium]; E2E_ARTIFACTS [test-artifacts/]
//   E2E_MANY         how many simulated viewers make "many" [500]
// Exits 0 when every check passed, 1 otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { assert, checks, launch, waitFor } from './lib.mjs';

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BASE = (process.env.STREAMPULSE_URL || 'http://127.0.0.1:18480').replace(/\/+$/, '');
const ADMIN = process.env.E2E_ADMIN_TOKEN || '';
const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS || path.join(repoRoot, 'test-artifacts'));
const MANY = Number(process.env.E2E_MANY || 500);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const { check, finish } = checks();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(pathname, init) {
  const res = await fetch(BASE + pathname, init);
  if (!res.ok) throw new Error(`${(init && init.method) || 'GET'} ${pathname} answered ${res.status}: ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

// axe-core over the whole page: WCAG 2.x A and AA and axe's best practices. Throws with every
// violation, one paragraph each: rule, impact, what it asks, and the elements (selector and
// axe's summary of what is wrong, the contrast ratio for colour contrast).
async function axe(page, label) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    resultTypes: ['violations']
  }));
  if (result.violations.length === 0) return `${result.passes.length} rules passed`;
  const text = result.violations.map((v) => {
    const nodes = v.nodes.slice(0, 6).map((n) =>
      `      ${n.target.join(' ')}\n        ${(n.failureSummary || '').replace(/\n\s*/g, '; ')}`).join('\n');
    const more = v.nodes.length > 6 ? `\n      ... and ${v.nodes.length - 6} more` : '';
    return `    [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}${more}`;
  }).join('\n');
  throw new Error(`${label}: ${result.violations.length} axe violation(s)\n${text}`);
}

// Full-page screenshots at desktop and phone sizes; the viewport is left at desktop size.
async function shoot(page, name, sizes = ['desktop', 'phone']) {
  const files = [];
  for (const size of sizes) {
    await page.setViewportSize(size === 'phone' ? PHONE : DESKTOP);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky top bar at the top, where it belongs
    await sleep(400); // charts resize on the next frame, with a short animation
    // Nothing wider than the screen, nor scrolled off inside a card (the streams table).
    const wide = await page.evaluate(() => [document.documentElement, ...document.querySelectorAll('.card')]
      .filter((el) => el.checkVisibility() && el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${el.id || el.className || el.tagName} ${el.scrollWidth} > ${el.clientWidth} px`));
    if (wide.length) throw new Error(`${name} at ${size} size: content wider than its box: ${wide.join('; ')}`);
    const file = `a11y-${name}-${size}.png`;
    await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(DESKTOP);
  return files;
}

const waitPlaying = (page) => waitFor(() => page.evaluate(() => document.getElementById('video').currentTime > 1),
  'the video to play', 30000);
const waitCount = (page, test, what) => waitFor(() => page.evaluate(() => {
  const el = document.getElementById('viewer-count');
  return { count: Number(el.dataset.count), text: el.textContent.replace(/\s+/g, ' ').trim() };
}).then((c) => (el => (test(el) ? el : false))(c)), what, 15000);
const dashboardShows = (page, test, what) => waitFor(() => page.evaluate(() =>
  Number((document.getElementById('active-players').textContent || '').replace(/,/g, '')))
  .then((n) => (test(n) ? n : false)), what, 20000);

// The canvases' text alternatives: role="img" and a label that carries the figures shown.
async function chartLabels(page) {
  return page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => ({
    id: c.id, role: c.getAttribute('role'), label: c.getAttribute('aria-label') || '',
    shown: c.checkVisibility()
  })));
}

async function main() {
  console.log(`streampulse accessibility and screenshots against ${BASE}`);
  assert(ADMIN, 'E2E_ADMIN_TOKEN is needed (creates a stream, starts a simulation)');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await launch();
  const pageErrors = [];
  // A stream of its own per colour scheme: nobody has watched it when the check starts.
  const streamIds = [];
  try {
    for (const scheme of ['light', 'dark']) {
      const streamId = `e2e-a11y-${scheme}-${Date.now()}`;
      await api(`/api/streams/${streamId}`, {
        method: 'PUT', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: `Accessibility check (${scheme})`, url: '/media/sample/master.m3u8' }) });
      streamIds.push(streamId);
      const ctx = await browser.newContext({ colorScheme: scheme, viewport: DESKTOP });
      ctx.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(`[${scheme}] ${e.message}`)));
      const shots = scheme === 'light' ? ['desktop', 'phone'] : ['desktop'];
      const tag = (n) => (scheme === 'light' ? n : `${n}-dark`);

      const dash = await ctx.newPage();
      await check(`a [${scheme}] the dashboard of a stream nobody watched: no axe violation`, async () => {
        await dash.goto(`${BASE}/dashboard?stream=${streamId}`, { waitUntil: 'load' });
        await waitFor(() => dash.isVisible('#empty-state'), 'the empty state', 10000);
        const r = await axe(dash, 'dashboard, 0 viewers');
        const files = await shoot(dash, tag('dashboard-0'), shots);
        return `${r}; ${files.join(', ')}`;
      });

      const player = await ctx.newPage();
      await check(`a [${scheme}] the player, alone on its stream: no axe violation`, async () => {
        await player.goto(`${BASE}/?streamId=${streamId}`, { waitUntil: 'load' });
        await waitPlaying(player);
        await waitCount(player, (c) => c.count === 1, 'the overlay to read 1');
        const r = await axe(player, 'player, 1 viewer');
        const files = await shoot(player, tag('player-1'), shots);
        return `${r}; ${files.join(', ')}`;
      });

      await check(`a [${scheme}] the player with its diagnostics open: no axe violation`, async () => {
        await player.click('#diagnostics > summary');
        await waitFor(() => player.evaluate(() => document.getElementById('stat-segments').checkVisibility()), 'the diagnostics to open');
        await sleep(500);
        const r = await axe(player, 'player, diagnostics open');
        const files = scheme === 'light' ? await shoot(player, 'player-1-diagnostics', ['phone']) : [];
        await player.click('#diagnostics > summary');
        return `${r}${files.length ? '; ' + files.join(', ') : ''}`;
      });

      await check(`a [${scheme}] the stream's dashboard with its viewer, both scopes: no axe violation`, async () => {
        await dash.bringToFront();
        await dashboardShows(dash, (n) => n === 1, 'the dashboard to show 1 active player');
        await waitFor(() => dash.evaluate(() => document.querySelectorAll('#legend-browsers li').length > 0), 'the browser legend', 10000);
        await sleep(600);
        const r = await axe(dash, 'dashboard, 1 viewer');
        await dash.click('#scope-retention');
        await sleep(300);
        await axe(dash, 'dashboard, 1 viewer, last hour');
        await dash.click('#scope-now');
        // The simulation form's answer (a refused token), in its error colour.
        await dash.fill('#sim-token', 'not-the-admin-token');
        await dash.click('#sim-start');
        await waitFor(() => dash.evaluate(() => /\berror\b/.test(document.getElementById('sim-result').className)), 'the form\'s error', 5000);
        await axe(dash, 'dashboard, the simulation form\'s error');
        const files = await shoot(dash, tag('dashboard-1'), shots);
        return `${r}; ${files.join(', ')}`;
      });

      if (scheme === 'light') {
        await check('b  each chart has a text alternative with the current figures', async () => {
          const labels = await waitFor(async () => {
            const l = await chartLabels(dash);
            return l.every((c) => c.role === 'img' && /\d/.test(c.label)) ? l : false;
          }, 'labels with figures', 5000);
          const browsers = labels.find((c) => c.id === 'chart-browsers').label;
          const agent = await player.evaluate(() => window.streampulse.agent.browser);
          assert(browsers.includes(agent) && /\b1\b/.test(browsers), `browsers chart label "${browsers}" lacks "${agent}" 1`);
          const bitrate = labels.find((c) => c.id === 'chart-bitrate').label;
          const kbps = (await dash.textContent('#bitrate-max')).trim();
          assert(bitrate.includes(kbps), `bitrate chart label "${bitrate}" lacks the max "${kbps}"`);
          return labels.map((c) => `${c.id}: "${c.label}"`).join('; ');
        });
      }

      await check(`a [${scheme}] the paused player (0 counted): no axe violation`, async () => {
        await player.bringToFront();
        await player.evaluate(() => document.getElementById('video').pause());
        await waitCount(player, (c) => /paused, not counted/.test(c.text) && c.count === 0, 'the paused overlay to read 0');
        const r = await axe(player, 'player, paused');
        const files = await shoot(player, tag('player-0'), shots);
        await player.evaluate(() => document.getElementById('video').play());
        return `${r}; ${files.join(', ')}`;
      });

      await check(`a [${scheme}] the overview of the streams: no axe violation`, async () => {
        await dash.goto(`${BASE}/dashboard`, { waitUntil: 'load' });
        await waitFor(() => dash.evaluate(() => document.querySelectorAll('#overview-rows tr').length >= 2), 'the streams table', 10000);
        await sleep(600);
        return axe(dash, 'overview');
      });
      await ctx.close();
    }

    // Many viewers: simulated players on the default stream.
    const ctx = await browser.newContext({ colorScheme: 'light', viewport: DESKTOP });
    ctx.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(`[many] ${e.message}`)));
    await check(`c  ${MANY} simulated viewers: the dashboard and player count them; no axe violation; screenshots`, async () => {
      await api('/api/simulations', {
        method: 'POST', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ playerCount: MANY, durationS: 40 }) });
      const dash = await ctx.newPage();
      await dash.goto(`${BASE}/dashboard`, { waitUntil: 'load' });
      const n = await dashboardShows(dash, (x) => x >= MANY, `the dashboard to show ${MANY} active players`);
      const player = await ctx.newPage();
      await player.goto(`${BASE}/`, { waitUntil: 'load' });
      await waitPlaying(player);
      const c = await waitCount(player, (x) => x.count > MANY, `the overlay to read more than ${MANY}`);
      await axe(player, 'player, many viewers');
      const files = await shoot(player, 'player-many');
      await dash.bringToFront();
      await sleep(1500);
      await axe(dash, 'dashboard, many viewers');
      files.push(...await shoot(dash, 'dashboard-many'));
      const dark = await browser.newContext({ colorScheme: 'dark', viewport: DESKTOP });
      const darkDash = await dark.newPage();
      await darkDash.goto(`${BASE}/dashboard`, { waitUntil: 'load' });
      await dashboardShows(darkDash, (x) => x >= MANY, 'the dark dashboard to show them');
      await sleep(1500);
      await axe(darkDash, 'dashboard, many viewers, dark');
      files.push(...await shoot(darkDash, 'dashboard-many-dark', ['desktop']));
      await dark.close();
      return `dashboard ${n}, overlay "${c.text}"; ${files.join(', ')}`;
    });
    await ctx.close();

    await check('no uncaught page errors', async () => { assert(pageErrors.length === 0, pageErrors.join(' | ')); });
  } finally {
    for (const id of streamIds) {
      await fetch(`${BASE}/api/streams/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN}` } }).catch(() => {});
    }
    await browser.close();
  }
  finish('a11y');
}

main().catch((err) => { console.error(err); process.exit(1); });
