// Evaluation on a split you bring: train --test and evaluate --test score given held-out pairs by
// external id (a benchmark's own train.csv / test.csv), with HR@K and recall@K.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA, runCli } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uals-split-'));
  // a split of ML-100K: every 10th rating of each user is a test pair
  const lines = readFileSync(join(SHARED_DATA, 'ml-100k/u.data'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const seen = new Map<string, number>();
  const train = ['user,item,rating'];
  const test = ['user,item'];
  for (const [u, i, r] of lines) {
    const n = (seen.get(u) ?? 0) + 1;
    seen.set(u, n);
    (n % 10 === 0 ? test : train).push(n % 10 === 0 ? `${u},${i}` : `${u},${i},${r}`);
  }
  test.push('99999,1', '1,99999'); // unknown user, unknown item
  test.push(train[1].split(',').slice(0, 2).join(',')); // a training pair
  await writeFile(join(dir, 'train.csv'), train.join('\n') + '\n');
  await writeFile(join(dir, 'test.csv'), test.join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a split you bring', () => {
  it('train --test holds out exactly the file\'s pairs; evaluate --test scores them the same way', async () => {
    const m = join(dir, 'm.uals');
    const t = await runCli(['train', '--data', join(dir, 'train.csv'), '--test', join(dir, 'test.csv'), '--factors', '16', '--out', m, '--json']);
    expect(t.code, t.stderr).toBe(0);
    const tj = JSON.parse(t.stdout);
    const testLines = readFileSync(join(dir, 'test.csv'), 'utf8').trim().split('\n').length - 1;
    // (items rated only in the test file are unknown to the model too)
    const unknown = Number(/left out (\d+) of users or items/.exec(tj.testNote)![1]);
    expect(unknown).toBeGreaterThanOrEqual(2);
    expect(tj.test + unknown + 1).toBe(testLines);
    expect(tj.testNote).toMatch(/, 1 also in it/);
    expect(tj.auc).toBeGreaterThan(0.85);
    const e = await runCli(['evaluate', '--model', m, '--test', join(dir, 'test.csv'), '-k', '20', '--json']);
    expect(e.code, e.stderr).toBe(0);
    const ej = JSON.parse(e.stdout);
    expect(ej.test).toBe(tj.test);
    expect(ej.auc).toBeCloseTo(tj.auc, 6);
    expect(ej.skipped).toEqual({ unknown, inTraining: 1, repeated: 0 });
    expect(ej.hr).toBeGreaterThan(ej.precision);
    expect(ej.hr).toBeLessThanOrEqual(1);
    expect(ej.recall).toBeGreaterThan(0);
    // the model's own hold-out is the same set
    const own = JSON.parse((await runCli(['evaluate', '--model', m, '-k', '20', '--json'])).stdout);
    expect(own.auc).toBeCloseTo(ej.auc, 9);
    expect(own.ndcg).toBeCloseTo(ej.ndcg, 9);
  });

  it('a model trained with --holdout 0 can be evaluated on a file, and says what it needs otherwise', async () => {
    const m = join(dir, 'h0.uals');
    expect((await runCli(['train', '--data', join(dir, 'train.csv'), '--holdout', '0', '--factors', '8', '--iterations', '3', '--tol', '0', '--out', m])).code).toBe(0);
    const none = await runCli(['evaluate', '--model', m]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give --test <pairs> to evaluate/);
    const e = await runCli(['evaluate', '--model', m, '--test', join(dir, 'test.csv'), '--json']);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).auc).toBeGreaterThan(0.7);
    const both = await runCli(['train', '--data', join(dir, 'train.csv'), '--test', join(dir, 'test.csv'), '--holdout', '0.1']);
    expect(both.code).toBe(2);
  });
});
