// The package's Node entries share one module graph: a class exists once, so `instanceof` works
// across `untrain-als` and `untrain-als/node`, and every error carries a stable `code`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('one module graph for the Node entries', () => {
  it('loadModel returns an ALS of the main entry; errors thrown by either entry are instances of both exports', async () => {
    const lib = await import(resolve('dist/index.node.js'));
    const node = await import(resolve('dist/node.js'));
    expect(node.ALS).toBe(lib.ALS);
    expect(node.DataError).toBe(lib.DataError);
    expect(node.ModelFileError).toBe(lib.ModelFileError);
    const dir = await mkdtemp(join(tmpdir(), 'uals-entries-'));
    try {
      const m = await lib.ALS.create({ factors: 2, iterations: 2, tol: 0, threads: 1 });
      await m.fit(lib.prepareDataset(lib.synthetic({ users: 50, items: 30, interactions: 600, seed: 1 }), { holdout: 0 }));
      const file = join(dir, 'm.uals');
      await node.saveModel(m, file);
      const back = await node.loadModel(file, { threads: 1 });
      expect(back).toBeInstanceOf(lib.ALS);
      back.dispose();
      m.dispose();
      await writeFile(join(dir, 'bad.csv'), 'a,b,1\nc\n');
      const e1 = await node.readInteractionsFile(join(dir, 'bad.csv')).catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(lib.DataError);
      expect(e1).toBeInstanceOf(node.DataError);
      expect((e1 as { code: string }).code).toBe('ERR_UNTRAIN_DATA');
      await writeFile(join(dir, 'junk.uals'), 'not a model');
      const e2 = await node.loadModel(join(dir, 'junk.uals')).catch((e: unknown) => e);
      expect(e2).toBeInstanceOf(lib.ModelFileError);
      expect((e2 as { code: string }).code).toBe('ERR_UNTRAIN_MODEL_FILE');
      const e3 = await lib.ALS.create({ factors: 0 }).catch((e: unknown) => e);
      expect(e3).toBeInstanceOf(node.OptionError);
      expect((e3 as { code: string }).code).toBe('ERR_UNTRAIN_OPTION');
      expect(new lib.UnknownIdError('user', 'x').code).toBe('ERR_UNTRAIN_UNKNOWN_ID');
      expect(new lib.ModelFitError('x').code).toBe('ERR_UNTRAIN_FIT');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Node ES modules without a file', () => {
  // Worker threads used to be eval code, which takes the parent's --input-type: under
  // `--input-type=module` their `require` crashed ("require is not defined in ES module scope").
  const script = `
import { ALS, synthetic, prepareDataset } from ${JSON.stringify(pathToFileURL(resolve('dist/index.node.js')).href)};
const m = await ALS.create({ factors: 8, iterations: 2, tol: 0, threads: 2 });
await m.fit(prepareDataset(synthetic({ users: 300, items: 200, interactions: 6000, seed: 1 }), { holdout: 0 }));
console.log(JSON.stringify({ threads: m.threads, note: m.threadNote, backend: m.backend }));
`;
  for (const [how, args, input] of [
    ['ESM on stdin (--input-type=module)', ['--input-type=module'], script],
    ['--input-type=module -e', ['--input-type=module', '-e', script], ''],
  ] as const) {
    it(`${how}: the model runs on 2 worker threads`, () => {
      const r = spawnSync(process.execPath, [...args], { input, encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ threads: 2, note: '', backend: 'wasm' });
    });
  }
});
