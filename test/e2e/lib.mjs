// Shared by the small browser checks (momento.mjs, smoke.mjs): the Chromium launch options these
// machines need and a polling wait.
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
export function checks() {
  let passed = 0;
  let failed = 0;
  return {
    async check(name, fn) {
      const t0 = Date.now();
      try {
        const detail = await fn();
        passed += 1;
        console.log(`  ✔  ${name} (${Date.now() - t0} ms)${detail ? ': ' + detail : ''}`);
        return true;
      } catch (err) {
        failed += 1;
        console.log(`  ✘  ${name} (${Date.now() - t0} ms): ${err && err.message ? err.message : err}`);
        return false;
      }
    },
    finish(suite) {
      console.log(`${suite}: ${passed} passed, ${failed} failed`);
      process.exit(failed === 0 ? 0 : 1);
    },
  };
}

export function assert(cond, message) { if (!cond) throw new Error(message); }
