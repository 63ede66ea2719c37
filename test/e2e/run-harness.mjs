// The plumbing of the end-to-end suite run.mjs (see there), shared by its parts run-players.mjs
// and run-dashboard.mjs: the settings from the environment, the suite's named checks (lib.mjs's
// checks()), a polling wait, and the browser profiles with what their pages asked for and logged.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, checks, CHROMIUM_ARGS as LIB_CHROMIUM_ARGS } from './lib.mjs';

export { assert };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BASE = (process.env.STREAMPULSE_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS || path.join(repoRoot, 'test-artifacts'));
export const ADMIN_TOKEN = process.env.E2E_ADMIN_TOKEN || '';
export const OVERALL_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS || 180000);
const CHROMIUM_ARGS = ['--headless', ...LIB_CHROMIUM_ARGS];
export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

// ------------------------------------------------------------------ tiny test harness

// check(name, fn), and skipAll(reason) once a check the rest depend on has failed.
export const suite = checks();
export const { check, skipAll } = suite;

export function log(line) { process.stdout.write(line + '\n'); }

export function fail(message) { throw new Error(message); }

// Polls fn() until it returns a truthy value; fails with describe() of the last value.
// (Unlike lib.mjs's waitFor, a throw from fn() counts as not yet and the options are an object.)
export async function waitFor(fn, { timeout = 10000, interval = 200, describe } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const what = describe ? describe(last) : JSON.stringify(last);
      fail(`not true within ${timeout} ms (last: ${what})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export async function getJson(pathname) {
  const res = await fetch(BASE + pathname, { headers: { Accept: 'application/json' } });
  if (!res.ok) fail(`GET ${pathname} answered ${res.status}`);
  return res.json();
}

// ------------------------------------------------------------------ browser plumbing

export const requests = [];         // every URL a page asked for: [{url, from}]
export const pageErrors = [];       // uncaught exceptions and console errors
export const expectedFailures = []; // URL parts whose 4xx answers a check provokes on purpose
const tmpDirs = [];
const contexts = [];

export async function newProfile(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `streampulse-e2e-${label}-`));
  tmpDirs.push(dir);
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    colorScheme: 'light',
    timeout: 30000
  });
  contexts.push(ctx);
  ctx.on('request', (req) => requests.push({ url: req.url(), from: label }));
  ctx.on('page', (page) => watchPage(page, label));
  for (const p of ctx.pages()) watchPage(p, label);
  return ctx;
}

function watchPage(page, label) {
  if (page.__watched) return;
  page.__watched = true;
  page.on('pageerror', (err) => pageErrors.push(`[${label}] uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = (msg.location() && msg.location().url) || '';
    // The browser logs every 4xx/5xx answer; the ones a check provokes on purpose are fine.
    if (/^Failed to load resource/.test(msg.text()) && expectedFailures.some((p) => where.includes(p))) return;
    pageErrors.push(`[${label}] console.error: ${msg.text()}${where ? ' (' + where + ')' : ''}`);
  });
}

export async function openPage(ctx, pathname) {
  const page = ctx.pages().find((p) => p.url() === 'about:blank') || (await ctx.newPage());
  const res = await page.goto(BASE + pathname, { waitUntil: 'load', timeout: 20000 });
  assert(res && res.ok(), `GET ${pathname} answered ${res ? res.status() : 'nothing'}`);
  return page;
}

export async function cleanup() {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
}

export const videoTime = (page) => page.evaluate(() => document.getElementById('video').currentTime);
const overlayCount = (page) => page.evaluate(() => {
  const el = document.getElementById('viewer-count');
  return { count: el.dataset.count, text: el.textContent.replace(/\s+/g, ' ').trim() };
});

export async function waitForOverlay(page, expected, timeout) {
  return waitFor(async () => {
    const o = await overlayCount(page);
    return o.count === String(expected) && o.text.includes(`${expected} watching`) ? o : false;
  }, { timeout, describe: () => 'overlay not showing ' + expected });
}

// Reads the overlay once more on failure, for the message.
export async function overlayState(page) {
  try { return JSON.stringify(await overlayCount(page)); } catch { return '?'; }
}
