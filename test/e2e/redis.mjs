#!/usr/bin/env node
// The pages on the Redis backend, in Chromium, with two instances on one Redis (as behind a load
// balancer that sent these viewers to different instances): two players on instance A, one on
// instance B, the dashboard on B.
//
//   STREAMPULSE_URL_A, STREAMPULSE_URL_B   the two instances   CHROMIUM_PATH [/usr/bin/chromium]
//
// Checks: the videos play; every overlay reads 3 (each page reads the count from its own
// instance, which mirrors Redis's topic); every page's topic traffic went to its own instance;
// the dashboard on B shows 3 watching; closing one player on A makes every overlay read 2.
import { launch, waitFor } from './lib.mjs';

const A = process.env.STREAMPULSE_URL_A.replace(/\/+$/, '');
const B = process.env.STREAMPULSE_URL_B.replace(/\/+$/, '');

let failures = 0;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    console.log(`  ✔  ${name} (${Date.now() - t0} ms)${detail ? ': ' + detail : ''}`);
  } catch (err) {
    failures += 1;
    console.log(`  ✘  ${name} (${Date.now() - t0} ms): ${err.message}`);
  }
}
const overlay = (page) => page.evaluate(() => document.getElementById('viewer-count')?.dataset.count);

const browser = await launch();
const players = [];
try {
  for (const base of [A, A, B]) {
    const page = await browser.newPage();
    const foreign = [];
    page.on('request', (req) => {
      const u = new URL(req.url());
      if (u.pathname.startsWith('/topics/') && u.origin !== base) foreign.push(req.url());
    });
    await page.goto(`${base}/`);
    players.push({ page, base, foreign });
  }
  await check('the three videos play', async () => {
    for (const p of players) {
      await waitFor(() => p.page.evaluate(() => {
        const v = document.getElementById('video');
        return v && v.currentTime > 1;
      }), 'currentTime > 1 s');
    }
  });
  await check('every overlay reads 3, on either instance', async () => {
    for (const p of players) await waitFor(async () => (await overlay(p.page)) === '3', `overlay 3 on ${p.base}`);
    return players.map((p) => `${p.base.split(':').pop()}: 3`).join(', ');
  });
  await check("each page's topic traffic went to its own instance", async () => {
    const stray = players.flatMap((p) => p.foreign);
    if (stray.length) throw new Error(stray[0]);
  });
  const dashboard = await browser.newPage();
  await dashboard.goto(`${B}/dashboard`);
  await check('the dashboard on B shows the 3 watching', async () => {
    await waitFor(async () => {
      const d = await (await fetch(`${B}/api/dashboard`)).json();
      const a = await (await fetch(`${A}/api/dashboard`)).json();
      return d.players.active === 3 && a.players.active === 3;
    }, 'active 3 on both instances');
    const text = await waitFor(() => dashboard.evaluate(() => {
      const el = document.getElementById('active-players');
      return el && el.textContent.trim() === '3' ? el.textContent.trim() : '';
    }), 'the page shows 3');
    return `page reads ${text}`;
  });
  await players[0].page.close();
  players.shift();
  await check('a player closed on A: every overlay reads 2', async () => {
    for (const p of players) await waitFor(async () => (await overlay(p.page)) === '2', `overlay 2 on ${p.base}`);
  });
  await dashboard.screenshot({ path: 'test-artifacts/e2e-redis-dashboard.png' });
} finally {
  await browser.close();
}
console.log(failures ? `redis: ${failures} check(s) failed` : 'redis: all checks passed');
process.exit(failures ? 1 : 0);
