#!/usr/bin/env node
// The player page plays a stream of the catalog (issue 15): `/?streamId=ID` plays that stream
// and is titled with its name, its heartbeats count under it and its overlay reads its own
// count; an unknown id says so and plays nothing; an ad-hoc
// `?stream=/media/NAME/master.m3u8` is titled NAME, not "master.m3u8".
//
//   STREAMPULSE_URL  the service [http://127.0.0.1:8080]   E2E_ADMIN_TOKEN  its admin token
//   CHROMIUM_PATH [/usr/bin/chromium]
import { launch, waitFor } from './lib.mjs';

const BASE = (process.env.STREAMPULSE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const ADMIN = process.env.E2E_ADMIN_TOKEN || '';
if (!ADMIN) {
  console.log('  SKIP  streams.mjs needs E2E_ADMIN_TOKEN');
  process.exit(0);
}
const id = `e2e-${Date.now()}`;
const put = await fetch(`${BASE}/api/streams/${id}`, {
  method: 'PUT',
  headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
  body: JSON.stringify({ name: 'The e2e show', url: '/media/sample/master.m3u8' })
});
const browser = await launch();
let status = 0;
try {
  if (put.status !== 201) throw new Error(`PUT /api/streams/${id} answered ${put.status}`);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${BASE}/?streamId=${id}`);
  await waitFor(() => page.evaluate(() => {
    const v = document.getElementById('video');
    return v && v.currentTime > 1;
  }), 'the stream to play past 1 s');
  const title = await page.title();
  if (title !== 'The e2e show · streampulse') throw new Error(`title "${title}"`);
  console.log(`  PASS  /?streamId=${id} plays the stream, titled "${title}"`);

  // Its heartbeats name the stream (its token allows no other): counted there, and its overlay
  // reads its own stream's count (viewerCount-<id>), not the whole service's.
  await waitFor(async () => {
    const list = await (await fetch(`${BASE}/api/streams`)).json();
    const s = list.streams.find((x) => x.id === id);
    return s && s.players && s.players.active === 1;
  }, `GET /api/streams to count the player under ${id}`);
  const overlay = await waitFor(() => page.evaluate(() => {
    const el = document.getElementById('viewer-count');
    return el && el.dataset.count === '1' ? el.textContent.replace(/\s+/g, ' ') : null;
  }), 'the overlay to read 1');
  console.log(`  PASS  its heartbeats count under ${id}; the overlay reads "${overlay.trim()}"`);

  await page.goto(`${BASE}/?streamId=nope`);
  const shown = await waitFor(() => page.evaluate(() => {
    const e = document.getElementById('player-error');
    return e && !e.hidden && e.textContent.includes("'nope'") ? e.textContent : null;
  }), 'the page to say the stream does not exist');
  console.log(`  PASS  /?streamId=nope says "${shown}" (title "${await page.title()}")`);

  await page.goto(`${BASE}/?stream=/media/sample/master.m3u8`);
  const adHoc = await waitFor(async () => {
    const t = await page.title();
    return t.startsWith('sample ') ? t : null;
  }, 'the ad-hoc stream to be titled after its folder');
  console.log(`  PASS  ?stream=/media/sample/master.m3u8 is titled "${adHoc}"`);
} catch (err) {
  console.log(`  FAIL  ${err.message}`);
  status = 1;
} finally {
  await browser.close();
  await fetch(`${BASE}/api/streams/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN}` } });
}
process.exit(status);
