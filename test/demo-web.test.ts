// The browser demo (npm run demo:web) in headless Chromium: built into a temp folder by the same
// function the CLI uses, served by the same server (plain at /, cross-origin isolated at
// /isolated/). Checks that it trains in its Web Worker on 1 thread (plain) or every core (isolated),
// that clicking a history item forgets it (lists, chart, scores, evidence, explanation all change),
// that retraining shows both times, and that a worker error reaches the page.
// UNTRAIN_ALS_DEMO_SCREENSHOTS=1 also writes src/demo-web/screenshots/*.png (otherwise nothing
// is written outside the temp folder).
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
// @ts-expect-error -- a plain .mjs script without type declarations
import { buildDemo, demoServer, listen } from '../scripts/demo-web-build.mjs';

const SHOTS = process.env.UNTRAIN_ALS_DEMO_SCREENSHOTS === '1' ? resolve('src/demo-web/screenshots') : null;

let dir = '';
let server: Server;
let base = '';
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'untrain-als-demo-web-'));
  await buildDemo(dir);
  server = demoServer(dir);
  base = await listen(server, 0);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A page that records console errors and page errors (the test expects none unless it provokes one). */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${base}${path}`);
  return { page, errors };
}

async function trained(page: Page): Promise<void> {
  await page.waitForSelector('body[data-state="trained"]', { timeout: 60_000 });
  // the page explains the top recommendation by itself once trained
  await page.waitForSelector('#explain ol li[data-item]', { timeout: 20_000 });
}

const text = async (page: Page, sel: string): Promise<string> => (await page.textContent(sel))?.trim() ?? '';
const num = (s: string): number => Number(s.replace(/[^0-9.eE+-]/g, ''));

/** Trains, forgets the explanation's top contributor by clicking it in the history, retrains. */
async function forgetFlow(page: Page, shots: boolean): Promise<void> {
  await trained(page);
  expect(await text(page, '#backend')).toBe('wasm');
  const status = await text(page, '#train-status');
  expect(status).toMatch(/\d+ passes in .* — converged/);
  expect(await page.locator('#cert-chart circle.pt').count()).toBeGreaterThan(1);
  expect(await page.locator('#auc-chart circle.pt').count()).toBeGreaterThan(1);
  expect(await page.locator('#forget-chart circle.pt').count()).toBe(0);
  expect(await text(page, '#evidence')).toBe('');

  const history = await page.locator('#history button').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.item!));
  expect(history.length).toBeGreaterThanOrEqual(20);
  expect(history.length).toBeLessThanOrEqual(60);
  const explainedItem = await page.locator('#recs button.selected').getAttribute('data-item');
  expect(explainedItem).not.toBeNull();
  // forget the item that contributes most to the explained recommendation, so its absence shows
  const victim = (await page.locator('#explain ol li[data-item]').first().getAttribute('data-item'))!;
  expect(history).toContain(victim);
  const row = page.locator(`#history button[data-item="${victim}"]`);
  const scoreBefore = num(await row.locator('.num').innerText());
  if (shots) await page.screenshot({ path: join(SHOTS!, 'before-forget.png'), fullPage: true });

  await row.click();
  await page.waitForSelector('body[data-forgets="1"][data-state="trained"]', { timeout: 30_000 });

  const historyAfter = await page.locator('#history button').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.item!));
  expect(historyAfter).not.toContain(victim);
  expect(historyAfter.length).toBe(history.length - 1);
  // trained, removed, instant, then any passes
  expect(await page.locator('#forget-chart circle.pt').count()).toBeGreaterThanOrEqual(3);
  expect(await text(page, '#forget-status')).toMatch(/Forgot 1 pair .* converged/);
  const ev = (await text(page, '#evidence')).match(/mean score ([\d.]+) → ([\d.]+); never-seen held-out pairs ([\d.]+); remaining training pairs ([\d.]+)/);
  expect(ev, 'evidence line').not.toBeNull();
  const [evBefore, evAfter, heldOut, trainPairs] = ev!.slice(1).map(Number);
  expect(evAfter).toBeLessThan(evBefore);
  expect(heldOut).toBeLessThan(trainPairs);
  const forgotRow = page.locator(`#forget-table tr[data-item="${victim}"]`);
  const before = num(await forgotRow.locator('.before').innerText());
  const after = num(await forgotRow.locator('.after').innerText());
  expect(before).toBeCloseTo(scoreBefore, 3);
  expect(after).toBeLessThan(before);
  expect(before).toBeCloseTo(evBefore, 3);

  // the explanation of the same item is re-run over the remaining history: the victim is gone
  expect(await page.locator('#recs button.selected').getAttribute('data-item')).toBe(explainedItem);
  expect(await page.locator(`#explain li[data-item="${victim}"]`).count()).toBe(0);
  expect(await text(page, '#explain-forgotten')).toMatch(new RegExp(`item ${victim}\\): absent from all ${history.length - 1} contributions`));

  await page.click('#retrain');
  await page.waitForSelector('#retrain-table tr:nth-child(2)', { timeout: 60_000 });
  expect(await text(page, '#retrain-times')).toMatch(/Forgetting took [\d.]+ (ms|s) in all \(1 pair\); retraining from scratch took [\d.]+ (ms|s) \(\d+ passes, converged\)/);
  const cells = await page.locator('#retrain-table tr:nth-child(2) td').allInnerTexts();
  expect(cells[0]).toBe(`user ${await page.inputValue('#user')}, item ${victim}`);
  const [was, forgottenScore, retrained] = cells.slice(1).map(Number);
  expect(was).toBeCloseTo(before, 3);
  expect(forgottenScore).toBeCloseTo(after, 3);
  // exact forgetting lands where retraining does (to the certificate's tolerance), below the old score
  expect(Math.abs(forgottenScore - retrained)).toBeLessThan(0.02);
  expect(retrained).toBeLessThan(was);
  expect(await page.locator('#cert-chart circle.pt').count()).toBeGreaterThan(await page.locator('#auc-chart circle.pt').count());
  if (shots) await page.screenshot({ path: join(SHOTS!, 'after-forget.png'), fullPage: true });
}

describe('the browser demo', () => {
  it('serves / plain and /isolated/ with COOP/COEP; --help works', async () => {
    const plain = await fetch(`${base}/`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cross-origin-embedder-policy')).toBeNull();
    const iso = await fetch(`${base}/isolated/model-worker.js`);
    expect(iso.status).toBe(200);
    expect(iso.headers.get('content-type')).toMatch(/javascript/);
    expect(iso.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(iso.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect((await fetch(`${base}/nothing.js`)).status).toBe(404);
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/demo-web.mjs', '--help']);
    expect(stdout).toMatch(/--port/);
    expect(stdout).toMatch(/\/isolated\//);
  });

  it('a plain page trains on one thread, says why, forgets a clicked item and retrains', async () => {
    const { page, errors } = await open('/');
    try {
      await forgetFlow(page, false);
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
      expect(await text(page, '#threads')).toBe('1');
      expect(await text(page, '#thread-note')).toMatch(/one thread: .*cross-origin isolation/);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('a cross-origin-isolated page trains on every core (≥ 2) and forgets the same way', async () => {
    if (SHOTS) await mkdir(SHOTS, { recursive: true });
    const { page, errors } = await open('/isolated/');
    try {
      await forgetFlow(page, SHOTS !== null);
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      const threads = Number(await text(page, '#threads'));
      expect(threads).toBeGreaterThanOrEqual(2);
      expect(threads).toBeLessThanOrEqual(Math.max(2, cores));
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('trains on a dropped MovieLens u.data, and a bad file shows the worker\'s error on the page', async () => {
    const { page, errors } = await open('/');
    try {
      await trained(page);
      await page.setInputFiles('#file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('user,item,rating\n1,2,3\n4,5,lots\n') });
      await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
      expect(await text(page, '#error')).toMatch(/bad\.csv/);
      expect(await page.getAttribute('body', 'data-state')).toBe('error');
      expect(errors.some((e) => e.includes('bad.csv'))).toBe(true);

      // a small u.data (user \t item \t rating \t timestamp), 300 users with 25 items each
      const lines: string[] = [];
      for (let u = 1; u <= 300; u++) for (let t = 0; t < 25; t++) lines.push(`${u}\t${1 + ((u * 7 + t * t * 3) % 400)}\t${1 + ((u + t) % 5)}\t${880000000 + u * 100 + t}`);
      await page.setInputFiles('#file', { name: 'u.data', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n') + '\n') });
      await trained(page);
      expect(await page.isHidden('#error')).toBe(true);
      expect(await text(page, '#train-status')).toMatch(/u\.data \(ml100k\): 300 users, \d+ items/);
      expect(await page.locator('#history button').count()).toBeGreaterThan(0);

      // another user: a different history; an unknown one: the worker's UnknownIdError on the page
      const first = await page.inputValue('#user');
      await page.click('#another');
      await page.waitForFunction((u) => (document.getElementById('user') as HTMLInputElement).value !== u, first, { timeout: 20_000 });
      await page.fill('#user', 'nobody');
      await page.click('#user-form button[type="submit"]');
      await page.waitForFunction(() => /nobody/.test(document.getElementById('error')!.textContent ?? ''), undefined, { timeout: 20_000 });
      expect(await page.getAttribute('body', 'data-state')).toBe('trained');
    } finally {
      await page.close();
    }
  }, 120_000);
});
