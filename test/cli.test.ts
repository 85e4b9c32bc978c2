// The built CLI (dist/cli.js, made by `npm test`'s build step) run as a user would: exit codes,
// JSON output, and a clear one-line error for every kind of bad input.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../src/model/persist.js';
import { SHARED_DATA, CLI, runCli } from './helpers.js';



const run = (args: string[]) => runCli(args);

let dir: string;
let model: string;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  dir = await mkdtemp(join(tmpdir(), 'uals-cli-'));
  model = join(dir, 'm.uals');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('untrain-als CLI', () => {
  it('prints help for every command and the list of commands', async () => {
    for (const cmd of ['train', 'evaluate', 'recommend', 'demo']) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: untrain-als ${cmd}`));
    }
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Commands:/);
    const none = await run([]);
    expect(none.code).toBe(2);
    const bad = await run(['fly']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "fly"/);
  });

  it('trains on the synthetic default, saves, evaluates and recommends with --json', async () => {
    const r = await run(['train', '--iterations', '4', '--tol', '0', '--factors', '8', '--reg', '5', '--out', model, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const key of ['users', 'items', 'interactions', 'train', 'test', 'backend', 'solver', 'factors', 'iterations', 'auc', 'bestIteration', 'bestAuc', 'secondsPerIteration', 'curve']) {
      expect(j).toHaveProperty(key);
    }
    expect(j.train + j.test).toBe(j.interactions);
    expect(j.curve).toHaveLength(4);
    expect(j.auc).toBeGreaterThan(0.6);
    expect(j.backend).toBe('wasm');
    expect(existsSync(model)).toBe(true);

    const e = await run(['evaluate', '--model', model, '--json']);
    expect(e.code).toBe(0);
    const ej = JSON.parse(e.stdout);
    expect(ej.auc).toBeCloseTo(j.auc, 6);
    expect(ej.precision).toBeGreaterThanOrEqual(0);

    const rec = await run(['recommend', '--model', model, '--user', '0', '-n', '3', '--json']);
    expect(rec.code).toBe(0);
    const rj = JSON.parse(rec.stdout);
    expect(rj.items).toHaveLength(3);

    const unknown = await run(['recommend', '--model', model, '--user', 'nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown user "nobody"/);
  });

  it('trains to a stationary model by default, and says so (exit 3) when the pass cap stops it first', async () => {
    const conv = join(dir, 'conv.uals');
    const r = await run(['train', '--factors', '8', '--out', conv, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.tol).toBe(5e-5);
    expect(j.converged).toBe(true);
    expect(j.residual).toBeLessThanOrEqual(5e-5);
    expect(j.iterations).toBeLessThan(j.maxIterations);
    expect(j.keptIteration).toBe(j.iterations); // no early stopping on AUC unless asked
    expect(decodeModel(readFileSync(conv)).fitResidual).toBe(j.residual); // the file records it
    const capped = join(dir, 'capped.uals');
    const c = await run(['train', '--factors', '8', '--iterations', '2', '--out', capped, '--json']);
    expect(c.code).toBe(3);
    const cj = JSON.parse(c.stdout);
    expect(cj.converged).toBe(false);
    expect(cj.residual).toBeGreaterThan(5e-5);
    expect(existsSync(capped)).toBe(true); // saved all the same
    const text = await run(['train', '--factors', '8', '--iterations', '2']);
    expect(text.stdout).toMatch(/NOT CONVERGED/);
  });

  it('reads a MovieLens file and reports its counts', async () => {
    const r = await run(['train', '--data', join(SHARED_DATA, 'ml-100k/u.data'), '--iterations', '1', '--tol', '0', '--factors', '4', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect([j.interactions, j.users, j.items]).toEqual([100000, 943, 1682]);
    expect(j.test).toBe(1000);
  });

  describe('bad input: a clear message, exit ≠ 0, no model file written', () => {
    const cases: Array<[string, string | Uint8Array | null, string[], RegExp]> = [
      ['malformed line', 'user,item\n1,2\n3\n', [], /bad\.csv:3/],
      ['NaN value', '1\t2\t5\t1\n2\t3\tNaN\t1\n', [], /bad\.csv:2/],
      ['Infinity value', '1,2,4\n2,3,Infinity\n', [], /bad\.csv:2/],
      ['negative id', '1::2::5::1\n-3::4::5::1\n', [], /bad\.csv:2.*negative|negative.*bad\.csv:2/s],
      ['empty data', '', [], /empty|no interactions/i],
      ['unknown format', '1,2\n', ['--format', 'parquet'], /--format "parquet"/],
      ['missing file', null, [], /no such file/],
      ['factors < 1', '1,2\n2,3\n', ['--factors', '0'], /--factors "0"/],
      ['factors > items with λ 0', '1,2\n2,3\n3,2\n', ['--factors', '5', '--reg', '0', '--holdout', '0'], /factors: 5; expected at most the number of items \(2\) when regularization is 0/],
      ['λ < 0', '1,2\n2,3\n', ['--reg', '-1'], /--reg "-1"/],
      ['gzipped garbage', gzipSync(Buffer.from('1,2\n3,x,y,z,w\n')), [], /bad\.csv/],
    ];
    for (const [name, content, extra, pattern] of cases) {
      it(name, async () => {
        const file = join(dir, 'bad.csv');
        await rm(file, { force: true });
        if (content !== null) await writeFile(file, content);
        const out = join(dir, `${name.replace(/\W+/g, '-')}.uals`);
        const r = await run(['train', '--data', file, '--iterations', '1', '--factors', '2', ...extra, '--out', out]);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(pattern);
        expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
        expect(existsSync(out)).toBe(false);
      });
    }

    it('leaves no temporary files in the output folder', async () => {
      const left = (await readdir(dir)).filter((f) => f.endsWith('.tmp'));
      expect(left).toEqual([]);
    });

    it('rejects a corrupt model file and a missing --model', async () => {
      const junk = join(dir, 'junk.uals');
      await writeFile(junk, 'not a model');
      const r = await run(['evaluate', '--model', junk]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not an untrain-als model file/);
      const m = await run(['evaluate']);
      expect(m.code).toBe(2);
      expect(m.stderr).toMatch(/--model <file> is required/);
    });
  });
});
