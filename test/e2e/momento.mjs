#!/usr/bin/env node
// The player page on the Momento backend, in Chromium: the service hands the page a disposable
// token and Momento's HTTP API base URL (here the fake's), and the page publishes heartbeats to
// and long-polls the count from that URL directly.
//
//   STREAMPULSE_URL   the service   FAKE_MOMENTO_URL  the fake Momento   CHROMIUM_PATH [/usr/bin/chromium]
//
// Checks: the video plays; the overlay reads 1; every /topics/ request went to the fake, none to
// the service; the fake holds the player in activePlayers and analytics and received the count
// on viewerCount; the service's dashboard reports the player.
import { launch, waitFor } from './lib.mjs';

const BASE = process.env.STREAMPULSE_URL.replace(/\/+$/, '');
const FAKE = process.env.FAKE_MOMENTO_URL.replace(/\/+$/, '');

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
const json = async (url) => (await fetch(url)).json();

const browser = await launch();
const page = await browser.newPage();
const topicRequests = [];
page.on('request', (req) => {
  const u = new URL(req.url());
  if (u.pathname.startsWith('/topics/')) topicRequests.push(`${req.method()} ${u.origin}${u.pathname}`);
});

try {
  await page.goto(`${BASE}/`);
  await check('the video plays', async () => {
    const t = await waitFor(() => page.evaluate(() => {
      const v = document.getElementById('video');
      return v && v.currentTime > 1 ? v.currentTime : 0;
    }), 'currentTime > 1 s');
    return `currentTime ${t.toFixed(1)} s`;
  });
  await check('the overlay reads 1', async () => {
    await waitFor(() => page.evaluate(() => {
      const el = document.getElementById('viewer-count');
      return el && el.dataset.count === '1';
    }), 'overlay 1');
  });
  await check('topic traffic goes to Momento (the fake), none to the service', async () => {
    const toFake = topicRequests.filter((r) => r.includes(FAKE));
    const toService = topicRequests.filter((r) => r.includes(BASE));
    if (!toFake.some((r) => r.startsWith('POST') && r.endsWith('/topics/video/stream')))
      throw new Error('no heartbeat published to the fake: ' + JSON.stringify(topicRequests.slice(0, 5)));
    if (!toFake.some((r) => r.startsWith('GET') && r.endsWith('/topics/video/viewerCount')))
      throw new Error('no count long-poll on the fake');
    if (toService.length) throw new Error('topic requests to the service: ' + toService[0]);
    return `${toFake.length} requests to ${FAKE}`;
  });
  await check('Momento holds the player as the original demo would', async () => {
    const players = await waitFor(async () => {
      const set = await json(`${FAKE}/_fake/sorted-set/activePlayers`);
      return Array.isArray(set) && set.length === 1 ? set : null;
    }, 'activePlayers with one player');
    const dict = await json(`${FAKE}/_fake/dictionary/analytics`);
    const entries = Array.isArray(dict) ? dict : Object.entries(dict).map(([field, value]) => ({ field, value }));
    if (entries.length !== 1) throw new Error('analytics: ' + JSON.stringify(dict));
    const hb = JSON.parse(entries[0].value);
    if (!(hb.bitrate >= 0) || !hb.agent || !hb.agent.browser) throw new Error('entry: ' + entries[0].value);
    const counts = await json(`${FAKE}/_fake/topic/viewerCount`);
    if (!JSON.stringify(counts).includes('"1"')) throw new Error('viewerCount topic: ' + JSON.stringify(counts).slice(0, 200));
    return `player ${JSON.stringify(players[0]).slice(0, 80)}`;
  });
  await check('the dashboard reports the player', async () => {
    const d = await waitFor(async () => {
      const v = await json(`${BASE}/api/dashboard`);
      return v.players.active === 1 && v.players.total === 1 ? v : null;
    }, 'dashboard active 1');
    return JSON.stringify(d.agents.browsers);
  });
} finally {
  await browser.close();
}
console.log(failures ? `momento e2e: ${failures} failed` : 'momento e2e: all passed');
process.exit(failures ? 1 : 0);
