// Browser end-to-end tests of yiping: runs every web/e2e/*.spec.mjs against a running server.
//
// Starts no server itself: scripts/e2e.sh builds the binary, creates a demo database, starts
// `yiping serve` and calls this with BASE_URL and SHOT_DIR. Each spec file exports
// `export default async function (ctx)`; ctx = { browser, baseUrl, shotDir, login(page, login,
// password = 'demo2026'), newPage(), shot(page, name), assert helpers }. A spec that throws fails.
// Prints one line per spec and exits non-zero when any failed.
//
// E2E_TIMEOUT_MS bounds each spec (default 10 min); E2E_ONLY filters spec file names.
// Chromium: playwright-core downloads no browser; CHROMIUM (default /usr/bin/chromium) is launched
// with the flags that work headless on the build machines.
import { readdirSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const baseUrl = (process.env.BASE_URL || '').replace(/\/$/, '');
const shotDir = process.env.SHOT_DIR || join(here, '..', '..', 'target', 'e2e-shots');
const only = process.env.E2E_ONLY || '';
if (!baseUrl) {
  console.error('BASE_URL is not set (e.g. BASE_URL=http://127.0.0.1:8080 node web/e2e/run.mjs)');
  process.exit(2);
}
mkdirSync(shotDir, { recursive: true });

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS || 600000); // per spec

// One browser per spec: a crash or a stuck page in one scenario cannot fail the next.
function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: FLAGS,
    headless: true,
  });
}
let browser = null;

async function login(page, who, password = 'demo2026') {
  await page.goto(baseUrl + '/login');
  await page.fill('input[name="login"]', who);
  await page.fill('input[name="password"]', password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15000 }),
    page.click('button[type="submit"], input[type="submit"]'),
  ]);
}

async function newPage(viewport = { width: 1920, height: 1080 }) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  return context.newPage();
}

async function shot(page, name) {
  const path = join(shotDir, name.endsWith('.png') ? name : name + '.png');
  await page.screenshot({ path, fullPage: true });
  return path;
}

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

const specs = readdirSync(here)
  .filter((f) => f.endsWith('.spec.mjs') && f.includes(only))
  .sort();
let failed = 0;
for (const file of specs) {
  const started = Date.now();
  try {
    const mod = await import(pathToFileURL(join(here, file)).href);
    browser = await launch();
    const ctx = { browser, baseUrl, shotDir, login, newPage, shot, assert };
    await withTimeout(mod.default(ctx), TIMEOUT_MS, file);
    console.log(`PASS ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const text = String(e && e.stack ? e.stack : e)
      .split('\n')
      .filter((l) => !l.includes('dbus') && !l.includes('[pid='));
    console.log('  ' + text.join('\n  '));
  } finally {
    if (browser) await browser.close().catch(() => {});
    browser = null;
  }
}
console.log(`${specs.length - failed} passed, ${failed} failed; screenshots in ${shotDir}`);
process.exit(failed ? 1 : 0);
