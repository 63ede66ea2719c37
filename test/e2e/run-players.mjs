// run.mjs's player checks (scenarios a, b, f, h; see run.mjs). They share the suite state `s`:
// playersJoin() sets s.ctx1, s.ctx2, s.page1 and s.page2; playersLeave() uses the pages.

import fs from 'node:fs';
import {
  assert, BASE, check, CHROMIUM, expectedFailures, fail, newProfile, openPage, overlayState,
  skipAll, videoTime, waitFor, waitForOverlay
} from './run-harness.mjs';

// a and b: player 1 plays and reads 1, player 2 joins and both read 2, a second tab reads 3.
export async function playersJoin(s) {
  await check('a: player 1 plays the stream (currentTime passes 1 s)', async () => {
    if (!fs.existsSync(CHROMIUM)) fail(`no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    s.ctx1 = await newProfile('profile1');
    s.page1 = await openPage(s.ctx1, '/');
    const t = await waitFor(async () => { const v = await videoTime(s.page1); return v > 1 ? v : false; },
      { timeout: 20000, describe: () => 'video currentTime stuck' });
    return `currentTime ${t.toFixed(2)} s`;
  }) || skipAll('player 1 does not play');

  await check('a: player 1 overlay reads "1 watching"', async () => {
    const o = await waitForOverlay(s.page1, 1, 10000).catch(async (e) => fail(e.message + ' ' + await overlayState(s.page1)));
    return `"${o.text}"`;
  });

  await check('a: heartbeat body has the contract shape', async () => {
    const hb = await s.page1.evaluate(() => window.streampulse.heartbeatBody());
    assert(/^[A-Za-z0-9_-]{1,64}$/.test(hb.playerId), 'bad playerId ' + hb.playerId);
    const issued = await s.page1.evaluate(() => window.streampulse.config.playerId);
    assert(hb.playerId === issued, `heartbeats under ${hb.playerId}, not the issued playerId ${issued}`);
    assert(Number.isInteger(hb.bitrate) && hb.bitrate >= 0 && hb.bitrate <= 1e6, 'bad bitrate ' + hb.bitrate);
    assert(Number.isInteger(hb.playTime) && hb.playTime >= 0, 'bad playTime ' + hb.playTime);
    assert(hb.agent && ['os', 'browser', 'device'].every((k) => typeof hb.agent[k] === 'string' && hb.agent[k].length <= 64), 'bad agent ' + JSON.stringify(hb.agent));
    assert(hb.bitrate > 0, 'bitrate still 0 while playing');
    return JSON.stringify(hb);
  });

  let secondStartedAt = 0;
  await check('b: player 2 (another browser profile) plays, with another playerId', async () => {
    s.ctx2 = await newProfile('profile2');
    secondStartedAt = Date.now();
    s.page2 = await openPage(s.ctx2, '/');
    await waitFor(async () => (await videoTime(s.page2)) > 1, { timeout: 20000, describe: () => 'video currentTime stuck' });
    const [id1, id2] = await Promise.all([s.page1, s.page2].map((p) => p.evaluate(() => window.streampulse.playerId)));
    assert(id1 !== id2, `both players have playerId ${id1}`);
    return `${id1} and ${id2}`;
  }) || skipAll('player 2 does not play');

  await check('b: both overlays read "2 watching" within ~5 s', async () => {
    await Promise.all([s.page1, s.page2].map((p) => waitForOverlay(p, 2, 8000)))
      .catch(async (e) => fail(`${e.message}: player1 ${await overlayState(s.page1)}, player2 ${await overlayState(s.page2)}`));
    return `${((Date.now() - secondStartedAt) / 1000).toFixed(1)} s after player 2 was opened`;
  });

  await check('b: a second tab of player 1\'s browser is a view of its own: the overlays read 3, and 2 again once it closes', async () => {
    const tab = await s.ctx1.newPage();
    const res = await tab.goto(BASE + '/', { waitUntil: 'load', timeout: 20000 });
    assert(res && res.ok(), `GET / in a second tab answered ${res ? res.status() : 'nothing'}`);
    await waitFor(async () => (await videoTime(tab)) > 1, { timeout: 20000, describe: () => 'video currentTime stuck in the second tab' });
    const [id1, idTab] = await Promise.all([s.page1, tab].map((p) => p.evaluate(() => window.streampulse.playerId)));
    assert(id1 !== idTab, `both tabs of one browser have playerId ${id1}`);
    await Promise.all([s.page1, s.page2, tab].map((p) => waitForOverlay(p, 3, 8000)))
      .catch(async (e) => fail(`${e.message}: player1 ${await overlayState(s.page1)}, tab ${await overlayState(tab)}`));
    await tab.close();
    const closedAt = Date.now();
    await Promise.all([s.page1, s.page2].map((p) => waitForOverlay(p, 2, 8000)))
      .catch(async (e) => fail(`${e.message} after the tab closed: player1 ${await overlayState(s.page1)}`));
    return `3 with the tab (${idTab}), 2 again ${((Date.now() - closedAt) / 1000).toFixed(1)} s after it closed`;
  });
}

// f and h: a paused player 2 is not counted; player 1 waits out refusals at capacity.
export async function playersLeave(s) {
  await check('f: pausing player 2 takes it out of the count (player 1 reads 1 again)', async () => {
    await s.page2.evaluate(() => document.getElementById('video').pause());
    const t0 = Date.now();
    await waitForOverlay(s.page1, 1, 10000).catch(async (e) => fail(`${e.message} ${await overlayState(s.page1)}`));
    return `after ${((Date.now() - t0) / 1000).toFixed(1)} s`;
  });

  await check('h: refusals at capacity (429/503 with Retry-After: 2) make player 1 wait, then it counts again', async () => {
    // What the service answers past its connection and long-poll caps, played by the browser
    // for both of the page's topic requests: the page must wait Retry-After, not retry at once.
    expectedFailures.push('/topics/');
    const seen = { beat: [], poll: [] };
    await s.page1.route('**/topics/**', (route) => {
      const beat = route.request().method() === 'POST';
      seen[beat ? 'beat' : 'poll'].push(Date.now());
      return route.fulfill({
        status: beat ? 503 : 429,
        headers: { 'Retry-After': '2', 'Content-Type': 'application/json' },
        body: JSON.stringify({ error: beat ? 'overloaded' : 'resource_exhausted', message: 'at capacity (e2e)' })
      });
    });
    await new Promise((r) => setTimeout(r, 7000));
    await s.page1.unroute('**/topics/**');
    const gaps = (ts) => ts.slice(1).map((t, i) => t - ts[i]);
    const shortest = (ts) => (ts.length > 1 ? Math.min(...gaps(ts)) : Infinity);
    assert(seen.beat.length >= 2, `${seen.beat.length} heartbeats tried in 7 s`);
    assert(seen.poll.length >= 2, `${seen.poll.length} count polls tried in 7 s`);
    assert(shortest(seen.beat) >= 1900, `heartbeats retried ${shortest(seen.beat)} ms apart: ${gaps(seen.beat)}`);
    assert(shortest(seen.poll) >= 1900, `count polls retried ${shortest(seen.poll)} ms apart: ${gaps(seen.poll)}`);
    await waitForOverlay(s.page1, 1, 10000).catch(async (e) => fail(`${e.message} ${await overlayState(s.page1)}`));
    return `in 7 s: ${seen.beat.length} heartbeats (${gaps(seen.beat).join(', ')} ms apart), ` +
      `${seen.poll.length} count polls (${gaps(seen.poll).join(', ')} ms apart); counted again after`;
  });
}
