// Pages that refuse part of what the library uses (headless Chromium): a Content-Security-Policy
// without 'wasm-unsafe-eval' makes `backend: 'auto'` run the JS twin and say why; one that refuses
// blob: workers makes a multi-threaded model run on one thread at once (not after a 20 s timeout)
// and say why; `threads: 0` on a page without isolation says why it runs on one.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveLocally } from './browser.js';

const LIB = readFileSync(resolve('dist/index.js'));

// Runs in the page (a module file, so that no CSP needs 'unsafe-inline'); ?threads=N&backend=B.
const PAGE_SCRIPT = `
import { ALS, synthetic, prepareDataset } from './index.js';
const q = new URLSearchParams(location.search);
const out = { isolated: self.crossOriginIsolated };
try {
  const ds = prepareDataset(synthetic({ users: 400, items: 200, interactions: 10000, seed: 2 }), { holdout: 0.02, seed: 1 });
  const t0 = performance.now();
  const m = await ALS.create({ factors: 8, iterations: 3, tol: 0, threads: Number(q.get('threads')), backend: q.get('backend') ?? 'auto', seed: 1 });
  out.createMs = performance.now() - t0;
  await m.fit(ds);
  Object.assign(out, { backend: m.backend, backendNote: m.backendNote, threads: m.threads, threadNote: m.threadNote, auc: m.auc().auc });
  m.dispose();
} catch (e) {
  out.error = String(e && e.message || e);
}
window.__result = out;
`;

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
/** Each folder is a page with these headers (on the page and on the scripts). */
const PAGES: Record<string, Record<string, string>> = {
  // no 'wasm-unsafe-eval': WebAssembly.compile is refused (blob: workers too, by script-src 'self')
  'no-wasm': { ...ISOLATION, 'Content-Security-Policy': "script-src 'self'" },
  // WebAssembly allowed, workers only from this origin: blob: workers are refused
  'no-blob-workers': { ...ISOLATION, 'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'" },
  // what the README tells a site to send: isolation, WebAssembly and blob: workers allowed
  recommended: { ...ISOLATION, 'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:" },
  plain: {},
};

let server: Awaited<ReturnType<typeof serveLocally>>;
let base = '';
let browser: Browser;

beforeAll(async () => {
  server = await serveLocally((req, res) => {
    const [, folder, file] = (req.url ?? '').split('?')[0].split('/');
    const headers = PAGES[folder];
    if (!headers) {
      res.writeHead(folder === 'favicon.ico' ? 204 : 404);
      res.end();
    } else if (file === 'index.js' || file === 'page.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript', ...headers });
      res.end(file === 'index.js' ? LIB : PAGE_SCRIPT);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html', ...headers });
      res.end('<!DOCTYPE html><html><head><meta charset="utf-8"><title>fallbacks</title></head><body><script type="module" src="page.js"></script></body></html>');
    }
  });
  base = server.base;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The page's result, and its console errors other than the CSP's own reports of what it refused. */
async function runPage(path: string): Promise<{ r: any; errors: string[]; refusals: string[] }> {
  const p = await browser.newPage();
  const errors: string[] = [];
  const refusals: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('console', (m) => {
    if (m.type() !== 'error') return;
    (/Content Security Policy/.test(m.text()) ? refusals : errors).push(m.text());
  });
  try {
    await p.goto(`${base}${path}`);
    await p.waitForFunction(() => (window as any).__result !== undefined, undefined, { timeout: 60_000 });
    return { r: await p.evaluate(() => (window as any).__result), errors, refusals };
  } finally {
    await p.close();
  }
}

describe('pages that refuse part of what the library uses', () => {
  it("a CSP without 'wasm-unsafe-eval': auto runs the JS kernels and says why", async () => {
    const { r, errors } = await runPage('/no-wasm/page.html?threads=2');
    expect(errors).toEqual([]);
    expect(r.error).toBeUndefined();
    expect(r.backend).toBe('js');
    expect(r.backendNote).toMatch(/refuses to compile WebAssembly.*'wasm-unsafe-eval'/);
    expect(r.threads).toBe(1);
    expect(r.threadNote).toMatch(/^1 thread instead of 2: the JS backend runs on one thread$/);
    expect(r.auc).toBeGreaterThan(0.6);
  });

  it("the same page with backend 'wasm' asked for: an error that names 'wasm-unsafe-eval'", async () => {
    const { r } = await runPage('/no-wasm/page.html?threads=1&backend=wasm');
    expect(r.error).toMatch(/backend "wasm" asked for, but this page refuses to compile WebAssembly.*'wasm-unsafe-eval'/);
  });

  it('a CSP that refuses blob: workers: one thread, at once, and says why', async () => {
    const { r, errors } = await runPage('/no-blob-workers/page.html?threads=2');
    expect(errors).toEqual([]);
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(true);
    expect(r.backend).toBe('wasm');
    expect(r.backendNote).toBe('');
    expect(r.threads).toBe(1);
    expect(r.threadNote).toMatch(/^1 thread instead of 2: a worker thread failed to start: the browser refused it/);
    // before: a 20 s wait for workers that never came, then a throw
    expect(r.createMs).toBeLessThan(5000);
    expect(r.auc).toBeGreaterThan(0.6);
  });

  it("the README's headers and CSP: SIMD kernels on 2 threads, and nothing refused", async () => {
    const { r, errors, refusals } = await runPage('/recommended/page.html?threads=2');
    expect(errors).toEqual([]);
    expect(refusals).toEqual([]);
    expect(r.error).toBeUndefined();
    expect([r.backend, r.backendNote, r.threads, r.threadNote]).toEqual(['wasm', '', 2, '']);
  });

  it('threads 0 on a page without isolation: one thread, and threadNote says why', async () => {
    const { r, errors, refusals } = await runPage('/plain/page.html?threads=0');
    expect(errors).toEqual([]);
    expect(refusals).toEqual([]);
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.threadNote).toMatch(/^one thread: .*cross-origin isolation/);
  });
});
