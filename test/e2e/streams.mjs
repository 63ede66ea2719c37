#!/usr/bin/env node
// The player page plays a stream of the catalog (issue 15): `/?streamId=ID` plays that stream
// and is titled with its name, its heartbeats count under it and its overlay reads its own
// count; an unknown id says so and plays nothing; an ad-hoc
// `?stream=/media/NAME/master.m3u8` is titled NAME, not "master.m3u8".
// The dashboard per stream (issue 15, part 4): with two streams added, two players on one and
// one on the other, /dashboard opens on an overview table that lists both with those active
// counts, sorted by audience, and each row's drill-down (/dashboard?stream=ID, its own SSE)
// shows exactly its stream's count, its name in the heading and the title, and a way back.
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
const id2 = `${id}-b`;
const put2 = await fetch(`${BASE}/api/streams/${id2}`, {
  method: 'PUT',
  headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
  body: JSON.stringify({ name: 'The other e2e show', url: '/media/sample/master.m3u8' })
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
  console.log(`  PASS  /?streamId=nope says "${shown.replace(/\s+/g, ' ').trim()}" (title "${await page.title()}")`);
  const listed = await waitFor(() => page.evaluate((want) => {
    const nav = document.getElementById('player-streams');
    if (!nav || nav.hidden) return null;
    const links = [...nav.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    return links.includes('/?streamId=' + want) && links.includes('/?streamId=main') ? links : null;
  }, id), 'the page to list the streams there are');
  console.log(`  PASS  ... and lists the streams to watch instead: ${listed.join(', ')}`);

  await page.goto(`${BASE}/?stream=/media/sample/master.m3u8`);
  const adHoc = await waitFor(async () => {
    const t = await page.title();
    return t.startsWith('sample ') ? t : null;
  }, 'the ad-hoc stream to be titled after its folder');
  console.log(`  PASS  ?stream=/media/sample/master.m3u8 is titled "${adHoc}"`);

  // The dashboard per stream: two players on `id` (the first page now plays the default stream
  // ad hoc), one on `id2`.
  if (put2.status !== 201) throw new Error(`PUT /api/streams/${id2} answered ${put2.status}`);
  for (const sid of [id, id, id2]) {
    const viewer = await (await browser.newContext()).newPage();
    await viewer.goto(`${BASE}/?streamId=${sid}`);
  }
  await waitFor(async () => {
    const list = await (await fetch(`${BASE}/api/streams`)).json();
    const active = (sid) => (list.streams.find((x) => x.id === sid) || {}).players?.active;
    return active(id) === 2 && active(id2) === 1;
  }, `GET /api/streams to count 2 players on ${id} and 1 on ${id2}`);
  const dash = await (await browser.newContext()).newPage();
  await dash.goto(`${BASE}/dashboard`);
  const rows = await waitFor(() => dash.evaluate(([a, b]) => {
    if (document.getElementById('overview').hidden) return null;
    const rows = [...document.querySelectorAll('#overview-rows tr')].map((tr) => ({
      id: tr.dataset.streamId,
      active: Number(tr.dataset.active),
      shown: tr.querySelector('[data-field="active"]').textContent,
      href: tr.querySelector('th[scope="row"] a').getAttribute('href')
    }));
    const ra = rows.find((r) => r.id === a);
    const rb = rows.find((r) => r.id === b);
    return ra && rb && ra.shown === '2' && rb.shown === '1' ? rows : null;
  }, [id, id2]), 'the overview to list both streams with 2 and 1 active');
  for (let i = 1; i < rows.length; i++) {
    if (rows[i - 1].active < rows[i].active) throw new Error(`overview not sorted by audience: ${JSON.stringify(rows)}`);
  }
  if (rows.findIndex((r) => r.id === id) > rows.findIndex((r) => r.id === id2)) {
    throw new Error(`${id} (2 active) is listed after ${id2} (1 active)`);
  }
  const table = await dash.evaluate(() => ({
    caption: !!document.querySelector('#overview table > caption'),
    cols: document.querySelectorAll('#overview thead th[scope="col"]').length
  }));
  if (!table.caption || table.cols < 5) throw new Error(`overview table lacks caption/th scope: ${JSON.stringify(table)}`);
  console.log(`  PASS  /dashboard opens on the overview: ${rows.map((r) => `${r.id}=${r.active}`).join(', ')} (sorted)`);

  // Each drill-down shows exactly its stream's count, from its own live stream.
  const drill = async (sid, name, want) => {
    await waitFor(() => dash.evaluate(([sid, want]) => {
      const d = window.streampulseDashboard;
      return d && d.stream === sid && d.mode === 'stream' &&
        document.getElementById('active-players').textContent === want;
    }, [sid, want]), `the drill-down into ${sid} to show ${want} active`);
    await new Promise((r) => setTimeout(r, 2000)); // still exact after a few more updates
    const seen = await dash.evaluate(() => ({
      active: document.getElementById('active-players').textContent,
      last: window.streampulseDashboard.last.players.active,
      title: document.title,
      heading: document.getElementById('page-title').textContent,
      back: !document.getElementById('back-link').hidden,
      overview: !document.getElementById('overview').hidden
    }));
    if (seen.active !== want || String(seen.last) !== want) throw new Error(`drill-down into ${sid}: ${JSON.stringify(seen)}`);
    if (seen.heading !== name || !seen.title.startsWith(`${name} · `)) throw new Error(`drill-down into ${sid} named ${JSON.stringify(seen)}`);
    if (!seen.back || seen.overview) throw new Error(`drill-down into ${sid}: back link / overview ${JSON.stringify(seen)}`);
    console.log(`  PASS  /dashboard?stream=${sid} shows ${seen.active} active, titled "${seen.title}"`);
  };
  await dash.click(`#overview-rows tr[data-stream-id="${id2}"] th a`);
  await drill(id2, 'The other e2e show', '1');
  await dash.goto(`${BASE}/dashboard?stream=${id}`);
  await drill(id, 'The e2e show', '2');
  await dash.click('#back-link a');
  await waitFor(() => dash.evaluate(() => !document.getElementById('overview').hidden &&
    window.streampulseDashboard.stream === null), 'the back link to lead to the overview');
  console.log('  PASS  the back link leads to the overview');
} catch (err) {
  console.log(`  FAIL  ${err.message}`);
  status = 1;
} finally {
  await browser.close();
  await fetch(`${BASE}/api/streams/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN}` } });
  await fetch(`${BASE}/api/streams/${id2}`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN}` } });
}
process.exit(status);
