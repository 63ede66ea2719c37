#!/usr/bin/env node
// What a person sees on a fresh `docker compose up`, in Chromium: the player page plays the
// sample stream and its overlay counts 1 viewer, and the dashboard shows that viewer as active.
// Used by scripts/container-smoke-test.sh against the container (no other viewer active).
//
//   STREAMPULSE_URL  the service [http://127.0.0.1:8080]   CHROMIUM_PATH [/usr/bin/chromium]
import { launch, waitFor } from './lib.mjs';

const BASE = (process.env.STREAMPULSE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const browser = await launch();


let status = 0;
try {
  const player = await (await browser.newContext()).newPage();
  await player.goto(`${BASE}/`);
  const t = await waitFor(() => player.evaluate(() => {
    const v = document.getElementById('video');
    return v && v.currentTime > 1 ? v.currentTime : 0;
  }), 'the video to play past 1 s');
  console.log(`  PASS  the player page plays the sample stream (currentTime ${t.toFixed(1)} s)`);
  await waitFor(() => player.evaluate(() => document.getElementById('viewer-count').dataset.count === '1'),
    'the overlay to read 1');
  console.log('  PASS  the overlay counts 1 viewer');
  const dash = await (await browser.newContext()).newPage();
  await dash.goto(`${BASE}/dashboard`);
  const api = await waitFor(async () => {
    const d = await (await fetch(`${BASE}/api/dashboard`)).json();
    return d.players.active === 1 ? d : null;
  }, '/api/dashboard to report 1 active viewer');
  const shown = await waitFor(() => dash.evaluate(() => {
    const el = document.getElementById('active-players');
    return el && el.textContent.trim() === '1' ? el.textContent.trim() : null;
  }), 'the dashboard page to show 1 active viewer');
  console.log(`  PASS  the dashboard shows the viewer (page "${shown}", api ${JSON.stringify(api.players)})`);
} catch (err) {
  console.log(`  FAIL  ${err.message}`);
  status = 1;
} finally {
  await browser.close();
}
process.exit(status);
