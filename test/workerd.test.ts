// The library in Cloudflare's runtime (workerd, run offline by miniflare). workerd refuses to compile
// WebAssembly from bytes, so the package's workerd entry imports the kernels as a .wasm module; this
// runs the built entry there and checks that the model trains and forgets on the SIMD kernels (not
// the JS fallback), on one thread with the reason given, with the same bits as Node (where it runs on two).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs in the worker and in Node alike: `lib` is the library's module.
const JOB = `
export async function job(lib) {
  const ds = lib.prepareDataset(lib.synthetic({ users: 400, items: 200, interactions: 12000, seed: 4 }), { holdout: 0.02, seed: 1 });
  const m = await lib.ALS.create({ factors: 16, iterations: 5, tol: 0, threads: 2, seed: 3 });
  await m.fit(ds);
  const bits = (a) => Array.from(new Uint32Array(a.slice().buffer));
  const fitted = { x: bits(m.userFactors), y: bits(m.itemFactors) };
  const pairs = lib.sampleTrainingPairs(m, 0.01, 2);
  const r = m.forget(pairs, { tol: 1e-4, maxPasses: 100, auc: true });
  const out = {
    backend: m.backend, simd: lib.wasmSimdSupported(), threads: m.threads, note: m.threadNote, auc: r.auc,
    forgotten: r.forgotten, passes: r.passes, certificate: r.certificateAfter, fitted, x: bits(m.userFactors),
  };
  m.dispose();
  return out;
}
`;

let dir = '';
let mf: Miniflare | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'untrain-als-workerd-'));
  copyFileSync(resolve('dist/index.worker.js'), join(dir, 'index.worker.js'));
  copyFileSync(resolve('dist/untrain_als.wasm'), join(dir, 'untrain_als.wasm'));
  writeFileSync(join(dir, 'job.mjs'), JOB);
  writeFileSync(
    join(dir, 'worker.mjs'),
    `import * as lib from './index.worker.js';
import { job } from './job.mjs';
export default {
  async fetch() {
    try {
      return Response.json(await job(lib));
    } catch (e) {
      return new Response(String(e && e.stack || e), { status: 500 });
    }
  },
};
`,
  );
  mf = new Miniflare({
    modulesRoot: dir,
    modules: [
      { type: 'ESModule', path: join(dir, 'worker.mjs') },
      { type: 'ESModule', path: join(dir, 'job.mjs') },
      { type: 'ESModule', path: join(dir, 'index.worker.js') },
      { type: 'CompiledWasm', path: join(dir, 'untrain_als.wasm') },
    ],
    compatibilityDate: '2025-01-01',
  });
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One request to a worker started with these options; the worker is stopped afterwards. */
async function fetchOnce(options: ConstructorParameters<typeof Miniflare>[0]): Promise<{ status: number; text: string }> {
  const worker = new Miniflare(options);
  try {
    const res = await worker.dispatchFetch('http://localhost/');
    return { status: res.status, text: await res.text() };
  } finally {
    await worker.dispose();
  }
}

describe('Cloudflare workerd (miniflare)', () => {
  it('trains and forgets on the SIMD kernels, on one thread, with the same bits as Node', async () => {
    const res = await mf!.dispatchFetch('http://localhost/');
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const w = JSON.parse(text);
    expect(w.backend).toBe('wasm');
    expect(w.simd).toBe(true);
    expect(w.threads).toBe(1);
    expect(w.note).toMatch(/^1 thread instead of 2: /);
    expect(w.forgotten).toBeGreaterThan(0);
    expect(w.certificate).toBeLessThanOrEqual(1e-4);
    expect(w.auc).toBeGreaterThan(0.6);

    // the same job in Node, on the package's portable entry (the same kernels, compiled from bytes)
    const { job } = await import(join(dir, 'job.mjs'));
    const lib = await import(resolve('dist/index.js'));
    const n = await job(lib);
    expect(n.backend).toBe('wasm');
    expect(w.fitted).toEqual(n.fitted);
    expect(w.passes).toBe(n.passes);
    expect(w.x).toEqual(n.x);
    expect(w.auc).toBe(n.auc);
  }, 120_000);

  it('the workerd entry is what the package exports under the "workerd" condition', async () => {
    const pkg = JSON.parse((await import('node:fs')).readFileSync(resolve('package.json'), 'utf8'));
    expect(pkg.exports['.'].workerd).toBe('./dist/index.worker.js');
    expect(pkg.exports['./worker'].default).toBe('./dist/index.worker.js');
    // and that entry never compiles the kernels from bytes: it imports the .wasm file
    const src = (await import('node:fs')).readFileSync(resolve('dist/index.worker.js'), 'utf8');
    expect(src).toMatch(/from ['"]\.\/untrain_als\.wasm['"]/);
    // …and carries no inlined copy of them ("AGFzbQ" is base64 of the wasm magic "\0asm")
    expect(src).not.toMatch(/AGFzbQ/);
    expect(src.length).toBeLessThan(250_000);
  });

  it("the README's miniflare recipe: bundled by esbuild with the workerd condition, *.wasm external and copied beside", async () => {
    const app = mkdtempSync(join(tmpdir(), 'untrain-als-workerd-app-'));
    try {
      // the package as a consumer has it: node_modules/untrain-als (here, this repository)
      mkdirSync(join(app, 'node_modules'));
      symlinkSync(resolve('.'), join(app, 'node_modules', 'untrain-als'), 'dir');
      writeFileSync(join(app, 'worker.js'), `import * as lib from 'untrain-als';
${JOB}
export default { async fetch() { return Response.json(await job(lib)); } };
`);
      await build({
        entryPoints: [join(app, 'worker.js')], bundle: true, format: 'esm', platform: 'neutral',
        conditions: ['workerd', 'worker', 'browser'], external: ['*.wasm'], outfile: join(app, 'out', 'worker.js'), logLevel: 'silent',
      });
      copyFileSync(join(app, 'node_modules/untrain-als/dist/untrain_als.wasm'), join(app, 'out', 'untrain_als.wasm'));
      const { status, text } = await fetchOnce({
        modulesRoot: join(app, 'out'),
        scriptPath: join(app, 'out', 'worker.js'),
        modules: true,
        modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
        compatibilityDate: '2025-01-01',
      });
      expect(status, text).toBe(200);
      const w = JSON.parse(text);
      expect([w.backend, w.simd, w.threads]).toEqual(['wasm', true, 1]);
      expect(w.certificate).toBeLessThanOrEqual(1e-4);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }, 60_000);

  it('given the browser entry (dist/index.js) instead, the error names untrain-als/worker', async () => {
    // what a bundler that ignores the "workerd" condition produces: the kernels compiled from bytes
    const wrong = mkdtempSync(join(tmpdir(), 'untrain-als-workerd-wrong-'));
    copyFileSync(resolve('dist/index.js'), join(wrong, 'index.js'));
    writeFileSync(join(wrong, 'worker.mjs'), `import { ALS } from './index.js';
export default {
  async fetch() {
    try {
      const m = await ALS.create({ factors: 4 });
      return Response.json({ backend: m.backend });
    } catch (e) {
      return new Response(String(e && e.message || e), { status: 500 });
    }
  },
};
`);
    try {
      const { status, text } = await fetchOnce({
        modulesRoot: wrong,
        modules: [
          { type: 'ESModule', path: join(wrong, 'worker.mjs') },
          { type: 'ESModule', path: join(wrong, 'index.js') },
        ],
        compatibilityDate: '2025-01-01',
      });
      expect(status, text).toBe(500);
      expect(text).toMatch(/disallowed by embedder/);
      expect(text).toMatch(/import the package as "untrain-als\/worker"/);
    } finally {
      rmSync(wrong, { recursive: true, force: true });
    }
  }, 60_000);
});
