// run.mjs's dashboard checks (scenarios c, e, g; see run.mjs). They share the suite state `s`:
// dashboardShows() opens the dashboard in player 1's browser as s.dash (and screenshots s.page1
// beside it); simulationForm() uses s.dash.

import fs from 'node:fs';
import path from 'node:path';
import {
  ADMIN_TOKEN, ARTIFACTS, assert, check, expectedFailures, fail, getJson, openPage, waitFor
} from './run-harness.mjs';

// c and e: the dashboard counts the 2 players, names their browser, draws its charts and
// refreshes by itself; screenshots of player 1 and the dashboard.
export async function dashboardShows(s) {
  await check('c: dashboard shows 2 active players', async () => {
    s.dash = await openPage(s.ctx1, '/dashboard');
    await waitFor(async () => (await s.dash.textContent('#active-players')).trim() === '2',
      { timeout: 10000, describe: () => 'active-players is not 2' })
      .catch(async (e) => fail(`${e.message} (shows "${(await s.dash.textContent('#active-players')).trim()}")`));
    const api = await getJson('/api/dashboard');
    assert(api.players.active === 2, `/api/dashboard says active=${api.players.active}`);
    const empty = await s.dash.isVisible('#empty-state');
    assert(!empty, 'the empty state is visible with players present');
    const total = Number((await s.dash.textContent('#total-players')).replace(/,/g, ''));
    assert(total >= 2, `total-players shows ${total}`);
    for (const id of ['avg-play-time', 'bitrate-min', 'bitrate-avg', 'bitrate-max']) {
      const t = (await s.dash.textContent('#' + id)).trim();
      assert(t && t !== '—', `#${id} shows "${t}" with players present`);
    }
    return `total ${total}, api ${JSON.stringify(api.players)}`;
  });

  await check('c: the browser chart names the headless Chromium (as /api/dashboard does)', async () => {
    const agent = await s.page1.evaluate(() => window.streampulse.agent);
    const name = agent.browser.toLowerCase();
    const api = await getJson('/api/dashboard');
    const apiNames = Object.keys(api.agents.browsers);
    assert(apiNames.includes(name), `/api/dashboard browsers ${JSON.stringify(api.agents.browsers)} lack "${name}"`);
    const labels = await waitFor(async () => {
      const l = await s.dash.evaluate(() => {
        const c = window.Chart && window.Chart.getChart(document.getElementById('chart-browsers'));
        return c ? c.data.labels.map((x) => String(x).toLowerCase()) : null;
      });
      return l && l.includes(name) ? l : false;
    }, { timeout: 5000, describe: (l) => 'chart labels ' + JSON.stringify(l) });
    return `"${agent.browser}" (api ${JSON.stringify(api.agents.browsers)}, chart ${JSON.stringify(labels)})`;
  });

  await check('c: the four charts are drawn', async () => {
    await s.dash.waitForTimeout(700); // let the first animation finish
    const drawn = await s.dash.evaluate(() => ['chart-browsers', 'chart-devices', 'chart-os', 'chart-bitrate'].map((id) => {
      const canvas = document.getElementById(id);
      const chart = window.Chart && window.Chart.getChart(canvas);
      const sum = chart ? chart.data.datasets[0].data.reduce((a, b) => a + (Number(b) || 0), 0) : 0;
      let ink = 0;
      if (canvas.width && canvas.height) {
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
      }
      return { id, hasChart: !!chart, sum, ink, size: `${canvas.width}x${canvas.height}` };
    }));
    const bad = drawn.filter((d) => !d.hasChart || d.sum <= 0 || d.ink < 200);
    assert(bad.length === 0, 'not drawn: ' + JSON.stringify(bad));
    return drawn.map((d) => `${d.id} ${d.ink} px`).join(', ');
  });

  await check('c: "Last refreshed at HH:MM:SS" updates by itself', async () => {
    const read = () => s.dash.evaluate(() => {
      const el = document.getElementById('last-refreshed');
      return { text: el.textContent.trim(), ts: el.dataset.ts };
    });
    const first = await read();
    assert(/^Last refreshed at \d\d:\d\d:\d\d$/.test(first.text), `reads "${first.text}"`);
    const second = await waitFor(async () => { const x = await read(); return x.text !== first.text ? x : false; },
      { timeout: 4000, describe: () => `still "${first.text}"` });
    return `"${first.text}" -> "${second.text}"`;
  });

  await check('e: screenshots test-artifacts/player.png and test-artifacts/dashboard.png', async () => {
    await s.page1.bringToFront();
    await s.page1.screenshot({ path: path.join(ARTIFACTS, 'player.png'), fullPage: true });
    await s.dash.bringToFront();
    await s.dash.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    for (const f of ['player.png', 'dashboard.png']) {
      const size = fs.statSync(path.join(ARTIFACTS, f)).size;
      assert(size > 10000, `${f} is only ${size} bytes`);
    }
    return ARTIFACTS;
  });
}

// g: the simulation form shows the service's error for a wrong token and, with E2E_ADMIN_TOKEN,
// starts 3 players that the dashboard counts.
export async function simulationForm(s) {
  await check('g: the simulation form shows the service\'s error for a wrong admin token', async () => {
    await s.dash.bringToFront();
    expectedFailures.push('/api/simulations');
    await s.dash.fill('#sim-count', '3');
    await s.dash.fill('#sim-token', 'not-the-admin-token-' + Date.now());
    await s.dash.click('#sim-start');
    const r = await waitFor(async () => {
      const x = await s.dash.evaluate(() => { const el = document.getElementById('sim-result'); return { cls: el.className, text: el.textContent, hidden: el.hidden }; });
      return !x.hidden && /\berror\b/.test(x.cls) ? x : false;
    }, { timeout: 5000, describe: (x) => JSON.stringify(x) });
    assert(/\((401|403|503)\)/.test(r.text), `unexpected message "${r.text}"`);
    return `"${r.text}"`;
  });

  if (ADMIN_TOKEN) {
    await check('g: the simulation form starts players with the admin token; the dashboard counts them', async () => {
      const before = Number((await s.dash.textContent('#total-players')).replace(/,/g, '')) || 0;
      await s.dash.fill('#sim-count', '3');
      await s.dash.fill('#sim-token', ADMIN_TOKEN);
      await s.dash.click('#sim-start');
      const r = await waitFor(async () => {
        const x = await s.dash.evaluate(() => { const el = document.getElementById('sim-result'); return { cls: el.className, text: el.textContent }; });
        return /\b(ok|error)\b/.test(x.cls) ? x : false;
      }, { timeout: 5000, describe: (x) => JSON.stringify(x) });
      assert(/\bok\b/.test(r.cls), `the form says "${r.text}"`);
      const stored = await s.dash.evaluate(() => sessionStorage.getItem('streampulse.adminToken'));
      assert(stored === ADMIN_TOKEN, 'the admin token was not kept in sessionStorage');
      const after = await waitFor(async () => {
        const n = Number((await s.dash.textContent('#total-players')).replace(/,/g, '')) || 0;
        return n >= before + 3 ? n : false;
      }, { timeout: 15000, describe: () => `total-players did not grow by 3 from ${before}` });
      return `"${r.text}", total players ${before} -> ${after}`;
    });
  }
}
