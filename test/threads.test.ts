// Threads: the same bits on 1, 2 and 4 threads (rows are solved independently and every sum is taken
// over fixed blocks), a clean fallback to one thread, and no process kept alive by the workers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { prepareDataset } from '../src/data/dataset.js';
import { synthetic } from '../src/data/synthetic.js';
import { ALS } from '../src/model/als.js';
import { sampleTrainingPairs } from '../src/model/forget.js';
import { setThreadHost, threadHost } from '../src/kernels/threads.js';
import { threadsUnavailable } from '../src/kernels/wasm.js';
import { nodeThreadHost } from '../src/node/threads.js';
import { CLI, runCli } from './helpers.js';

const data = prepareDataset(synthetic({ users: 900, items: 400, interactions: 30000, seed: 4 }), { holdout: 0.02, seed: 1 });

interface Run {
  threads: number;
  X: Float32Array;
  Y: Float32Array;
  losses: number[];
  certificate: number;
  auc: number;
  forget: { passes: number; certificate: number; X: Float32Array };
  inverses: Float32Array;
}

async function run(threads: number, solver: 'cg' | 'cholesky'): Promise<Run> {
  const m = await ALS.create({ factors: 24, iterations: 6, solver, threads, seed: 3, regularization: 5, alpha: 20 });
  try {
    const fit = await m.fit(data, { certificate: true });
    const X = m.userFactors.slice();
    const Y = m.itemFactors.slice();
    const certificate = m.certificate().residual;
    const auc = m.auc().auc;
    m.cacheInverses();
    const inverses = m.inverseCache!.users.view.slice(0, 50 * 24 * 24);
    m.dropInverseCache();
    const pairs = sampleTrainingPairs(m, 0.02, 9);
    const r = m.forget(pairs, { tol: 1e-4, maxPasses: 8 });
    return {
      threads: m.threads, X, Y, losses: fit.iterations.map((it) => it.loss), certificate, auc, inverses,
      forget: { passes: r.passes, certificate: r.certificateAfter, X: m.userFactors.slice() },
    };
  } finally {
    m.dispose();
  }
}

function expectSameBits(a: Run, b: Run): void {
  expect(Buffer.from(b.X.buffer).equals(Buffer.from(a.X.buffer))).toBe(true);
  expect(Buffer.from(b.Y.buffer).equals(Buffer.from(a.Y.buffer))).toBe(true);
  expect(b.losses).toEqual(a.losses);
  expect(b.certificate).toBe(a.certificate);
  expect(b.auc).toBe(a.auc);
  expect(Buffer.from(b.inverses.buffer).equals(Buffer.from(a.inverses.buffer))).toBe(true);
  expect(b.forget.passes).toBe(a.forget.passes);
  expect(b.forget.certificate).toBe(a.forget.certificate);
  expect(Buffer.from(b.forget.X.buffer).equals(Buffer.from(a.forget.X.buffer))).toBe(true);
}

describe('threads', () => {
  for (const solver of ['cholesky', 'cg'] as const) {
    it(`${solver}: fit, loss, certificate, AUC, inverses and forgetting are bit-identical on 1, 2 and 4 threads`, async () => {
      const one = await run(1, solver);
      const two = await run(2, solver);
      const four = await run(4, solver);
      expect([one.threads, two.threads, four.threads]).toEqual([1, 2, 4]);
      expectSameBits(one, two);
      expectSameBits(one, four);
      // and the threaded run did real work: the factors moved from the start and forgetting ran passes
      expect(one.forget.passes).toBeGreaterThan(0);
    });
  }
});

describe('one-thread fallback', () => {
  afterEach(() => {
    setThreadHost(nodeThreadHost);
    vi.unstubAllGlobals();
  });

  it('without a thread host: one thread, a note that says why, the same results', async () => {
    setThreadHost(undefined);
    expect(threadHost()).toBeUndefined();
    const m = await ALS.create({ factors: 24, iterations: 6, solver: 'cholesky', threads: 4, seed: 3, regularization: 5, alpha: 20 });
    expect(m.threads).toBe(1);
    expect(m.threadNote).toMatch(/1 thread instead of 4: no way to start worker threads/);
    const fit = await m.fit(data);
    expect(fit.threads).toBe(1);
    expect(fit.threadNote).toBe(m.threadNote);
    const X = m.userFactors.slice();
    m.dispose();
    setThreadHost(nodeThreadHost);
    const ref = await run(2, 'cholesky');
    expect(Buffer.from(X.buffer).equals(Buffer.from(ref.X.buffer))).toBe(true);
  });

  it('without shared memory (no SharedArrayBuffer): one thread and the reason', async () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    expect(threadsUnavailable()).toMatch(/cannot share WebAssembly memory/);
    const m = await ALS.create({ factors: 8, threads: 2 });
    expect(m.threads).toBe(1);
    expect(m.threadNote).toMatch(/cannot share WebAssembly memory/);
    await m.fit(data);
    expect(m.auc().auc).toBeGreaterThan(0.5);
    m.dispose();
  });

  it('threads 0 (every core) that end up as one say why too', async () => {
    setThreadHost(undefined);
    const m = await ALS.create({ factors: 8, iterations: 2, tol: 0 }); // threads: 0 by default
    expect(m.threads).toBe(1);
    expect(m.threadNote).toMatch(/^one thread: no way to start worker threads/);
    const fit = await m.fit(data);
    expect(fit.threadNote).toBe(m.threadNote);
    m.dispose();
    vi.stubGlobal('SharedArrayBuffer', undefined);
    const s = await ALS.create({ factors: 8 });
    expect(s.threadNote).toMatch(/^one thread: this engine cannot share WebAssembly memory/);
    s.dispose();
    vi.unstubAllGlobals();
    setThreadHost(nodeThreadHost);
    const all = await ALS.create({ factors: 8 }); // and with threads to be had, no note
    expect(all.threads).toBeGreaterThan(1);
    expect(all.threadNote).toBe('');
    all.dispose();
  });

  it('the js backend says it runs on one thread', async () => {
    const m = await ALS.create({ factors: 8, threads: 3, backend: 'js' });
    expect(m.threads).toBe(1);
    expect(m.threadNote).toMatch(/^1 thread instead of \d+: the JS backend runs on one thread$/);
    m.dispose();
  });
});

describe('thread pool shutdown', () => {
  it('a script that trains on 2 threads and never disposes exits by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uals-threads-'));
    try {
      const script = join(dir, 'run.mjs');
      const entry = resolve('dist/index.node.js');
      writeFileSync(script, `
        import { ALS, synthetic, prepareDataset } from ${JSON.stringify(entry)};
        const m = await ALS.create({ factors: 16, iterations: 3, threads: 2 });
        await m.fit(prepareDataset(synthetic({ users: 300, items: 200, interactions: 8000, seed: 1 }), { holdout: 0 }));
        console.log(JSON.stringify({ threads: m.threads }));
      `);
      const t0 = Date.now();
      const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60000 });
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toEqual({ threads: 2 });
      expect(Date.now() - t0).toBeLessThan(60000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI runs on the threads asked for, reports them and exits', async () => {
    const r = await runCli(['demo', '--threads', '2', '--iterations', '3', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).train.threads).toBe(2);
    const bad = await runCli(['demo', '--threads', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--threads/);
    expect(CLI).toMatch(/cli\.js$/);
  });
});
