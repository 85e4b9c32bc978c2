// `untrain-als forget` and `retrain` run as a user would (the built dist/cli.js).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../src/model/persist.js';


const run = (args: string[]) => runCli(args);

let dir: string;
let model: string;
let trainResidual: number;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uals-forget-'));
  model = join(dir, 'm.uals');
  const r = await run(['train', '--factors', '8', '--reg', '20', '--alpha', '10', '--solver', 'cholesky', '--out', model, '--json']);
  expect(r.code).toBe(0);
  trainResidual = JSON.parse(r.stdout).residual;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('untrain-als forget / retrain', () => {
  it('has --help', async () => {
    for (const cmd of ['forget', 'retrain']) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: untrain-als ${cmd}`));
    }
  });

  it("forgets a seeded fraction to the model's own residual, and retrain removes the same set", async () => {
    const out = join(dir, 'f.uals');
    const f = await run(['forget', '--model', model, '--fraction', '0.01', '--seed', '3', '--out', out, '--json']);
    expect(f.stderr).toBe('');
    expect(f.code).toBe(0);
    const j = JSON.parse(f.stdout);
    for (const key of ['forgotten', 'notFound', 'mode', 'schedule', 'passes', 'seconds', 'instantSeconds', 'tolerance', 'certificateBefore', 'certificateAfter', 'lossRemain', 'auc']) {
      expect(j).toHaveProperty(key);
    }
    expect(j.forgotten).toBe(594); // 1% of 59,400 training pairs
    expect(j.mode).toBe('exact');
    // the default tolerance: min(1e-4, max(the certificate the model has, its training tolerance 5e-5))
    expect(trainResidual).toBeLessThanOrEqual(5e-5);
    expect(j.tolerance).toBe(5e-5);
    expect(j.certificateAfter).toBeLessThanOrEqual(j.tolerance);
    expect(j.converged).toBe(true);
    expect(j.baseStationary).toBe(true);
    expect(j.certificateInstant).toBeGreaterThan(0);
    const before = decodeModel(readFileSync(model));
    const after = decodeModel(readFileSync(out));
    expect(after.train.indptr[after.train.rows]).toBe(before.train.indptr[before.train.rows] - 594);

    const r = await run(['retrain', '--model', model, '--fraction', '0.01', '--seed', '3', '--iterations', '5', '--json']);
    expect(r.code).toBe(3); // saved nothing here, but 5 passes do not reach the tolerance: said by the status
    const rj = JSON.parse(r.stdout);
    expect(rj.converged).toBe(false);
    expect(rj.forgotten).toBe(594);
    expect(rj.iterations).toBe(5);
    for (const key of ['iterations', 'bestIteration', 'bestAuc', 'seconds', 'curve']) expect(rj).toHaveProperty(key);
    for (const key of ['auc', 'loss', 'certificate', 'seconds']) expect(rj.curve[0]).toHaveProperty(key);
    // a retrain from scratch is far from stationary after 5 passes; the untrained model is not
    expect(rj.curve[4].certificate).toBeGreaterThan(j.certificateAfter);
  });

  it('reads pairs from a file, reports unknown ones, and --strict makes them an error', async () => {
    const pairs = join(dir, 'pairs.csv');
    const snap = decodeModel(readFileSync(model));
    const u = snap.users.id(0);
    const i = snap.items.id(snap.train.indices[0]);
    await writeFile(pairs, `user,item\n${u},${i}\nnobody,${i}\n`);
    const f = await run(['forget', '--model', model, '--pairs', pairs, '--dry-run', '--max-passes', '2', '--json']);
    expect(f.code).toBe(0);
    const j = JSON.parse(f.stdout);
    expect(j.forgotten).toBe(1);
    expect(j.notFound).toEqual([{ user: 'nobody', item: i, reason: 'unknown user' }]);
    expect(j.out).toBeNull();
    const strict = await run(['forget', '--model', model, '--pairs', pairs, '--strict', '--out', join(dir, 's.uals')]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/unknown user/);
    expect(existsSync(join(dir, 's.uals'))).toBe(false);
    const none = await run(['forget', '--model', model]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--pairs <file>, --fraction <f>, or --user\/--item <id>/);
    const both = await run(['forget', '--model', model, '--pairs', pairs, '--fraction', '0.1']);
    expect(both.code).toBe(2);
    const mode = await run(['forget', '--model', model, '--fraction', '0.1', '--mode', 'erase']);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/--mode "erase": expected one of exact, block/);
  });
});

describe('untrain-als learn', () => {
  it('learns back forgotten pairs and a new user in place, under the lock, and says what it did', async () => {
    const pairs = join(dir, 'learn.csv');
    const snap = decodeModel(readFileSync(model));
    const u = snap.users.id(3);
    const items = Array.from(snap.train.indices.subarray(snap.train.indptr[3], snap.train.indptr[3] + 2), (i) => snap.items.id(i));
    const m = join(dir, 'learn.uals');
    const f = await run(['forget', '--model', model, '--pairs', await (async () => {
      const p = join(dir, 'two.csv');
      await writeFile(p, items.map((i) => `${u},${i}`).join('\n') + '\n');
      return p;
    })(), '--out', m, '--json']);
    expect(f.code).toBe(0);
    await writeFile(pairs, [...items.map((i) => `${u},${i}`), `newcomer,${items[0]}`, `newcomer,${items[1]}`].join('\n') + '\n');
    const r = await run(['learn', '--model', m, '--pairs', pairs, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.learned).toBe(4);
    expect(j.newUsers).toEqual(['newcomer']);
    expect(j.converged).toBe(true);
    const after = decodeModel(readFileSync(m));
    expect(after.users.get('newcomer')).toBe(snap.users.size);
    expect(after.train.indptr[after.train.rows]).toBe(snap.train.indptr[snap.train.rows] + 2);
    expect((await run(['learn', '--help'])).stdout).toMatch(/Usage: untrain-als learn/);
  });
});
