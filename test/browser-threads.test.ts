// The library in a real browser (headless Chromium): on a cross-origin-isolated page (COOP/COEP
// headers) a model runs its kernels on Web Workers over one shared memory and gives the same bits as
// on one thread; on a page without those headers it falls back to one thread and says why.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveLocally } from './browser.js';

const LIB = readFileSync(resolve('dist/index.js'));

// Runs in the page: the same model on 1 and 2 threads; returns what the test checks.
const PAGE_SCRIPT = `
import { ALS, synthetic, prepareDataset } from './index.js';
const ds = prepareDataset(synthetic({ users: 600, items: 300, interactions: 20000, seed: 2 }), { holdout: 0.02, seed: 1 });
const out = { isolated: self.crossOriginIsolated };
for (const threads of [1, 2]) {
  const m = await ALS.create({ factors: 16, iterations: 4, solver: 'cholesky', threads, seed: 1 });
  await m.fit(ds);
  out['t' + threads] = { threads: m.threads, note: m.threadNote, backend: m.backend, auc: m.auc().auc,
    x: Array.from(new Uint32Array(m.userFactors.slice().buffer)) };
  m.dispose();
}
window.__result = out;
`;

function page(): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>threads</title></head><body>
<script type="module">${PAGE_SCRIPT}</script></body></html>`;
}

let server: Awaited<ReturnType<typeof serveLocally>>;
let base = '';
let browser: Browser;

beforeAll(async () => {
  server = await serveLocally((req, res) => {
    const isolated = req.url!.startsWith('/isolated/');
    const headers: Record<string, string> = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    if (req.url!.endsWith('/index.js')) {
      res.writeHead(200, { 'Content-Type': 'text/javascript', ...headers });
      res.end(LIB);
    } else if (req.url!.endsWith('/page.html')) {
      res.writeHead(200, { 'Content-Type': 'text/html', ...headers });
      res.end(page());
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  base = server.base;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function runPage(path: string): Promise<any> {
  const p = await browser.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  try {
    await p.goto(`${base}${path}`);
    await p.waitForFunction(() => (window as any).__result !== undefined, undefined, { timeout: 60_000 });
    expect(errors).toEqual([]);
    return await p.evaluate(() => (window as any).__result);
  } finally {
    await p.close();
  }
}

describe('in a browser', () => {
  it('a cross-origin-isolated page runs on 2 Web Workers with the same bits as 1 thread', async () => {
    const r = await runPage('/isolated/page.html');
    expect(r.isolated).toBe(true);
    expect(r.t1.backend).toBe('wasm');
    expect(r.t1.threads).toBe(1);
    expect(r.t2.threads).toBe(2);
    expect(r.t2.note).toBe('');
    expect(r.t2.x).toEqual(r.t1.x);
    expect(r.t2.auc).toBe(r.t1.auc);
    expect(r.t1.auc).toBeGreaterThan(0.6);
  });

  it('a page without isolation falls back to one thread and says why', async () => {
    const r = await runPage('/plain/page.html');
    expect(r.isolated).toBe(false);
    expect(r.t2.threads).toBe(1);
    expect(r.t2.note).toMatch(/1 thread instead of 2: .*cross-origin isolation/);
    expect(r.t2.x).toEqual(r.t1.x);
  });
});
