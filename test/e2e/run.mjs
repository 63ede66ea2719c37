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

// The checks live in run-players.mjs (a, b, f, h) and run-dashboard.mjs (c, e, g); the settings,
// the browser plumbing and the harness (lib.mjs's checks()) in run-harness.mjs. This file runs
// them in the order above, then d and the page errors, which judge everything the pages did.

import fs from 'node:fs';
import {
  ARTIFACTS, assert, BASE, check, cleanup, fail, getJson, log, LOOPBACK_HOSTS, OVERALL_TIMEOUT_MS,
  pageErrors, requests, skipAll, suite
} from './run-harness.mjs';
import { playersJoin, playersLeave } from './run-players.mjs';
import { dashboardShows, simulationForm } from './run-dashboard.mjs';

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
  if (!ready) skipAll('the service is not ready');

  const s = {}; // ctx1, ctx2, page1, page2, dash: set and used by the parts
  await playersJoin(s);      // a, b
  await dashboardShows(s);   // c, e
  await playersLeave(s);     // f, h
  await simulationForm(s);   // g

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

const summary = () => suite.summary('e2e');

const watchdog = setTimeout(async () => {
  log(`\ne2e: gave up after ${OVERALL_TIMEOUT_MS} ms`);
  suite.results.push({ name: 'whole suite within the time limit', ok: false, ms: OVERALL_TIMEOUT_MS, detail: 'timed out' });
  await cleanup();
  summary();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

try {
  await main();
} catch (err) {
  suite.results.push({ name: 'suite ran to the end', ok: false, ms: 0, detail: err.stack || String(err) });
  log('e2e: unexpected error: ' + (err.stack || err));
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(summary() ? 0 : 1);
