// Confidence from values (Hu, Koren & Volinsky 2008, section 4): c = 1 + α for 'binary', 1 + α·v for
// 'linear', 1 + α·log(1 + v/ε) for 'log'. Checked against the formula, against a float64 dense solve
// of the normal equations they define, through save/load and exact forgetting, and in the CLI.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALS, type TrainingData } from '../../src/model/als.js';
import { modelFromBytes, modelToBytes } from '../../src/model/persist.js';
import { DataError } from '../../src/data/errors.js';
import { Rng } from '../../src/data/random.js';
import { gaussSolve } from '../kernel-problems.js';
import { BACKEND_NAMES, idRange, runCli } from '../helpers.js';

/** users × items with about `density` of the pairs stored, each with a count-like value. */
function valued(users: number, items: number, density: number, seed: number): TrainingData & { train: { values: Float32Array } } {
  const rng = new Rng(seed);
  const indptr = new Int32Array(users + 1);
  const idx: number[] = [];
  const vals: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.next() < density || i === u % items) {
        idx.push(i);
        vals.push(Math.floor(1 + 30 * rng.next() ** 3)); // 1..30, mostly small
      }
    }
    indptr[u + 1] = idx.length;
  }
  return {
    users: idRange(users), items: idRange(items),
    train: { rows: users, cols: items, indptr, indices: Int32Array.from(idx), values: Float32Array.from(vals) },
  };
}

const expectedC = (mode: 'binary' | 'linear' | 'log', v: number, alpha: number, eps: number): number =>
  mode === 'binary' ? 1 + alpha : mode === 'linear' ? 1 + alpha * v : 1 + alpha * Math.log1p(v / eps);

describe.each(BACKEND_NAMES)('confidence from values on backend %s', (backend) => {
  for (const mode of ['binary', 'linear', 'log'] as const) {
    it(`${mode}: the stored confidences follow the formula, and the fitted item factors solve the float64 normal equations they define`, async () => {
      const data = valued(14, 10, 0.35, 3);
      const alpha = 2;
      const epsilon = 0.5;
      const m = await ALS.create({ factors: 4, regularization: 1.5, alpha, epsilon, confidence: mode, solver: 'cholesky', iterations: 25, tol: 0, backend });
      await m.fit(data);
      const conf = m.trainConfidence;
      const v = data.train.values;
      for (let p = 0; p < v.length; p++) expect(conf[p]).toBeCloseTo(expectedC(mode, v[p], alpha, epsilon), 4);
      // the last half-step solved every item given X exactly: check y_i = A_i⁻¹ b_i in float64
      const k = 4;
      const X = Float64Array.from(m.userFactors);
      const Y = m.itemFactors;
      const G = new Float64Array(k * k);
      for (let u = 0; u < 14; u++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) G[a * k + b] += X[u * k + a] * X[u * k + b];
      for (let a = 0; a < k; a++) G[a * k + a] += 1.5;
      for (let i = 0; i < 10; i++) {
        const A = G.slice();
        const b = new Float64Array(k);
        for (let u = 0; u < 14; u++) {
          for (let p = data.train.indptr[u]; p < data.train.indptr[u + 1]; p++) {
            if (data.train.indices[p] !== i) continue;
            const c = expectedC(mode, v[p], alpha, epsilon);
            for (let a = 0; a < k; a++) {
              b[a] += c * X[u * k + a];
              for (let e = 0; e < k; e++) A[a * k + e] += (c - 1) * X[u * k + a] * X[u * k + e];
            }
          }
        }
        const y = gaussSolve(A, b, k);
        const scale = Math.max(...Array.from(y, Math.abs));
        for (let a = 0; a < k; a++) expect(Math.abs(Y[i * k + a] - y[a]) / scale, `item ${i} factor ${a}`).toBeLessThan(1e-4);
      }
      m.dispose();
    });
  }

  it('linear and log refuse negative and non-finite values with the pair named; binary ignores values', async () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const data = valued(6, 5, 0.5, 1);
      data.train.values[3] = bad;
      for (const mode of ['linear', 'log'] as const) {
        const m = await ALS.create({ factors: 2, confidence: mode, iterations: 1, tol: 0, backend });
        await expect(m.fit(data)).rejects.toThrow(DataError);
        await expect(m.fit(data)).rejects.toThrow(new RegExp(`value ${bad} of user "\\d+", item "\\d+" cannot be a confidence`));
        m.dispose();
      }
      const b = await ALS.create({ factors: 2, iterations: 1, tol: 0, backend });
      await b.fit(data);
      expect(Array.from(b.trainConfidence).every((c) => c === 41)).toBe(true);
      b.dispose();
    }
  });

  it('per-pair confidences survive save/load, and an exactly forgotten pair leaves the others as they were', async () => {
    const data = valued(20, 12, 0.4, 7);
    const m = await ALS.create({ factors: 3, confidence: 'log', alpha: 10, epsilon: 2, backend });
    await m.fit(data);
    const back = await modelFromBytes(modelToBytes(m));
    expect(back.options.confidence).toBe('log');
    expect(back.options.epsilon).toBe(2);
    expect(Array.from(back.trainConfidence)).toEqual(Array.from(m.trainConfidence));
    const before = Array.from(back.trainConfidence);
    const p = back.trainRows.indptr[4]; // user 4's first pair
    const r = back.forget([['4', String(back.trainRows.indices[p])]]);
    expect(r.forgotten).toBe(1);
    expect(r.converged).toBe(true);
    before.splice(p, 1);
    expect(Array.from(back.trainConfidence)).toEqual(before);
    m.dispose();
    back.dispose();
  });
});

describe('confidence in the CLI', () => {
  it('train --confidence log --epsilon, --duplicates sum, and a clear error for a negative value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'uals-conf-'));
    try {
      const rng = new Rng(5);
      const lines = ['user,item,plays'];
      for (let u = 0; u < 60; u++) for (let i = 0; i < 40; i++) if (rng.next() < 0.2) lines.push(`u${u},i${i},${1 + Math.floor(100 * rng.next() ** 4)}`);
      lines.push(lines[1]); // a repeated record: summed
      const file = join(dir, 'plays.csv');
      await writeFile(file, lines.join('\n') + '\n');
      const out = join(dir, 'm.uals');
      const r = await runCli(['train', '--data', file, '--confidence', 'log', '--epsilon', '5', '--duplicates', 'sum', '--factors', '4', '--holdout', '0', '--out', out, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.confidence).toBe('log');
      expect(j.epsilon).toBe(5);
      const m = await modelFromBytes(await import('node:fs').then((fs) => fs.readFileSync(out)));
      const [u, i, v] = lines[1].split(',');
      const p = m.trainRows.indptr[m.userIds.get(u)!] + Array.from(m.trainRows.indices.subarray(m.trainRows.indptr[m.userIds.get(u)!], m.trainRows.indptr[m.userIds.get(u)! + 1])).indexOf(m.itemIds.get(i)!);
      expect(m.trainConfidence[p]).toBeCloseTo(1 + 40 * Math.log1p((2 * Number(v)) / 5), 4); // the two records summed
      m.dispose();
      await writeFile(file, 'user,item,plays\na,x,3\nb,y,-2\nc,x,1\n');
      const bad = await runCli(['train', '--data', file, '--confidence', 'linear', '--factors', '1', '--holdout', '0']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/value -2 of user "b", item "y" cannot be a confidence; expected a finite value ≥ 0 under confidence 'linear' \(drop other pairs with --threshold\)/);
      const dropped = await runCli(['train', '--data', file, '--confidence', 'linear', '--threshold', '0', '--factors', '1', '--holdout', '0', '--json']);
      expect(dropped.code, dropped.stderr).toBe(0);
      expect(JSON.parse(dropped.stdout).train).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
