// Shared by the browser checks (run.mjs and its run-*.mjs parts, a11y.mjs, viewers.mjs, momento.mjs,
// smoke.mjs, ...): the Chromium launch options these machines need, a polling wait and the named
// checks with their tally.
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'
];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

// Polls fn() every 200 ms until it returns a truthy value, which it returns.
export async function waitFor(fn, what, timeout = 20000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

// A suite's named checks: `check(name, fn)` runs fn, prints ✔ or ✘ with its time and what fn
// returned (or threw), and says whether it passed; `finish(suite)` prints the tally and exits
// with it (0 when every check passed).
// For longer suites (run.mjs): after `skipAll(reason)` (the first reason stays) check() runs
// nothing more, prints "-  name (skipped)" and returns undefined; `results` holds every check as
// {name, ok: true, false or null when skipped, ms, detail}; `summary(suite)` prints a blank line,
// the failed checks, the tally with the skipped ones, and returns whether every check ran and passed.
export function checks() {
  const results = [];
  let skipReason = null;
  const count = (ok) => results.filter((r) => r.ok === ok).length;
  return {
    results,
    skipAll(reason) { skipReason = skipReason || reason; },
    async check(name, fn) {
      if (skipReason) {
        results.push({ name, ok: null, ms: 0, detail: 'skipped: ' + skipReason });
        console.log(`  -  ${name} (skipped)`);
        return undefined;
      }
      const t0 = Date.now();
      try {
        const detail = await fn();
        const ms = Date.now() - t0;
        results.push({ name, ok: true, ms, detail });
        console.log(`  ✔  ${name} (${ms} ms)${detail ? ': ' + detail : ''}`);
        return true;
      } catch (err) {
        const ms = Date.now() - t0;
        const detail = err && err.message ? err.message : String(err);
        results.push({ name, ok: false, ms, detail });
        console.log(`  ✘  ${name} (${ms} ms): ${detail}`);
        return false;
      }
    },
    finish(suite) {
      const failed = count(false);
      console.log(`${suite}: ${count(true)} passed, ${failed} failed`);
      process.exit(failed === 0 ? 0 : 1);
    },
    summary(suite) {
      const passed = count(true);
      const failed = count(false);
      const skipped = count(null);
      console.log('');
      if (failed) {
        console.log('FAILED checks:');
        for (const r of results.filter((x) => x.ok === false)) console.log(`  - ${r.name}: ${r.detail}`);
      }
      console.log(`${suite}: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
      return failed === 0 && skipped === 0 && passed > 0;
    },
  };
}

export function assert(cond, message) { if (!cond) throw new Error(message); }
