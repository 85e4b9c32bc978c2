import { describe, expect, it } from 'vitest';
import { ALS, UnknownIdError } from '../../src/model/als.js';
import { OptionError } from '../../src/model/options.js';
import { BACKEND_NAMES, csrFromPairs, denseData, idRange, randomData } from '../helpers.js';

// The 7×6 matrix of implicit's own solver test.
const COUNTS = [
  [1, 1, 0, 1, 0, 0],
  [0, 1, 1, 1, 0, 0],
  [1, 0, 1, 0, 0, 0],
  [1, 1, 0, 0, 0, 0],
  [0, 0, 1, 1, 0, 1],
  [0, 1, 0, 0, 0, 1],
  [0, 0, 0, 0, 1, 1],
];

function reconstruct(m: ALS): number[][] {
  const X = m.userFactors;
  const Y = m.itemFactors;
  const k = m.k;
  const out: number[][] = [];
  for (let u = 0; u < m.nUsers; u++) {
    const row: number[] = [];
    for (let i = 0; i < m.nItems; i++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += X[u * k + f] * Y[i * k + f];
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

describe.each(BACKEND_NAMES)('ALS on backend %s', (backend) => {
  for (const solver of ['cholesky', 'cg'] as const) {
    it(`reconstructs the 7×6 matrix with factors 6, λ 0 (${solver})`, async () => {
      const m = await ALS.create({ factors: 6, regularization: 0, alpha: 40, iterations: solver === 'cg' ? 60 : 20, tol: 0, solver, backend, seed: 1 });
      await m.fit(denseData(COUNTS));
      const r = reconstruct(m);
      for (let u = 0; u < COUNTS.length; u++) {
        for (let i = 0; i < COUNTS[0].length; i++) expect(Math.abs(r[u][i] - COUNTS[u][i])).toBeLessThan(1e-3);
      }
      expect(m.backend).toBe(backend);
    });
  }

  it('never increases the loss with the Cholesky solver', async () => {
    const data = randomData(120, 80, 12, 3);
    const m = await ALS.create({ factors: 10, regularization: 5, iterations: 15, solver: 'cholesky', backend, seed: 2 });
    const fit = await m.fit(data);
    const losses = fit.iterations.map((r) => r.loss);
    for (let t = 1; t < losses.length; t++) expect(losses[t]).toBeLessThanOrEqual(losses[t - 1] * (1 + 1e-6));
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  });

  it('CG and Cholesky reach the same loss within 1% after 30 iterations', async () => {
    const data = randomData(150, 100, 10, 4);
    const losses: number[] = [];
    for (const solver of ['cg', 'cholesky'] as const) {
      const m = await ALS.create({ factors: 12, regularization: 2, iterations: 30, solver, backend, seed: 5 });
      const fit = await m.fit(data);
      losses.push(fit.iterations[29].loss);
    }
    expect(Math.abs(losses[0] - losses[1]) / losses[1]).toBeLessThan(0.01);
  });

  it('recalculateUser is the exact solve against the item factors', async () => {
    const data = randomData(40, 30, 6, 6);
    const m = await ALS.create({ factors: 5, regularization: 3, alpha: 10, iterations: 5, backend, seed: 7 });
    await m.fit(data);
    const items = ['3', '7', '11', '12'];
    const x = m.recalculateUser(items);
    // float64 dense solve of (YᵀY + λI + α Σ y yᵀ) x = (1 + α) Σ y
    const k = 5;
    const Y = m.itemFactors;
    const A = Array.from({ length: k }, () => new Float64Array(k + 1));
    for (let j = 0; j < m.nItems; j++) {
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) A[a][b] += Y[j * k + a] * Y[j * k + b];
    }
    for (let a = 0; a < k; a++) A[a][a] += 3;
    for (const id of items) {
      const j = Number(id);
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) A[a][b] += 10 * Y[j * k + a] * Y[j * k + b];
        A[a][k] += 11 * Y[j * k + a];
      }
    }
    const sol = gaussSolve(A);
    for (let f = 0; f < k; f++) expect(Math.abs(x[f] - sol[f])).toBeLessThan(1e-4 * Math.max(1, Math.abs(sol[f])));
    expect(() => m.recalculateUser(['nope'])).toThrow(UnknownIdError);
  });

  it('recommends the best unseen items and finds cosine-similar items', async () => {
    const data = randomData(50, 40, 8, 8);
    const m = await ALS.create({ factors: 6, regularization: 1, iterations: 5, backend, seed: 9 });
    await m.fit(data);
    const k = m.k;
    const X = m.userFactors;
    const Y = m.itemFactors;
    const u = 4;
    const seen = new Set(Array.from(data.train.indices.subarray(data.train.indptr[u], data.train.indptr[u + 1])));
    const brute = Array.from({ length: 40 }, (_, j) => {
      let s = 0;
      for (let f = 0; f < k; f++) s += X[u * k + f] * Y[j * k + f];
      return { j, s };
    }).filter((e) => !seen.has(e.j)).sort((a, b) => b.s - a.s);
    const recs = m.recommend('4', 5);
    expect(recs.map((r) => r.item)).toEqual(brute.slice(0, 5).map((e) => String(e.j)));
    for (const r of recs) expect(seen.has(Number(r.item))).toBe(false);
    const all = m.recommend(4, 40, { filterSeen: false });
    expect(all.length).toBe(40);
    for (let t = 1; t < all.length; t++) expect(all[t].score).toBeLessThanOrEqual(all[t - 1].score);

    const norm = (j: number) => Math.hypot(...Array.from(Y.subarray(j * k, j * k + k)));
    const cos = Array.from({ length: 40 }, (_, j) => {
      let s = 0;
      for (let f = 0; f < k; f++) s += Y[2 * k + f] * Y[j * k + f];
      return { j, s: s / (norm(2) * norm(j)) };
    }).filter((e) => e.j !== 2).sort((a, b) => b.s - a.s);
    const sim = m.similarItems('2', 3);
    expect(sim.map((r) => r.item)).toEqual(cos.slice(0, 3).map((e) => String(e.j)));
    expect(sim[0].score).toBeCloseTo(cos[0].s, 4);
    expect(() => m.recommend('999', 3)).toThrow(UnknownIdError);
    expect(() => m.similarItems('999', 3)).toThrow(UnknownIdError);
  });
});

describe('ALS option checks', () => {
  it('rejects bad hyper-parameters with the value and what was expected', async () => {
    await expect(ALS.create({ factors: 0 })).rejects.toThrow(/factors: 0; expected an integer ≥ 1/);
    await expect(ALS.create({ factors: 2.5 })).rejects.toThrow(OptionError);
    await expect(ALS.create({ regularization: -1 })).rejects.toThrow(/regularization: -1; expected a finite number ≥ 0/);
    await expect(ALS.create({ alpha: NaN })).rejects.toThrow(OptionError);
    await expect(ALS.create({ solver: 'lu' as never })).rejects.toThrow(/solver/);
    await expect(ALS.create({ backend: 'gpu' as never })).rejects.toThrow(/backend/);
  });

  it('rejects more factors than items when λ is 0 (allows them otherwise), and empty data', async () => {
    const m = await ALS.create({ factors: 7, regularization: 0, backend: 'js' });
    await expect(m.fit(denseData(COUNTS))).rejects.toThrow(/factors: 7; expected at most the number of items \(6\) when regularization is 0/);
    const ok = await ALS.create({ factors: 32, regularization: 0.1, iterations: 20, tol: 0, backend: 'js' });
    await ok.fit(denseData(COUNTS)); // implicit's tests fit 32 factors on 5 items
    expect(Number.isFinite(ok.loss())).toBe(true);
    expect(ok.recommend('0', 2)).toHaveLength(2);
    const empty = denseData([[0, 0], [0, 0]]);
    const m2 = await ALS.create({ factors: 1, backend: 'js' });
    await expect(m2.fit(empty)).rejects.toThrow(/at least one training interaction/);
  });
});

function gaussSolve(A: Float64Array[]): number[] {
  const n = A.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      for (let q = c; q <= n; q++) A[r][q] -= f * A[c][q];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = A[r][n];
    for (let q = r + 1; q < n; q++) s -= A[r][q] * x[q];
    x[r] = s / A[r][r];
  }
  return x;
}

describe('data handed to the API is checked like a model file', () => {
  const ok = () => ({ users: idRange(3), items: idRange(4), train: csrFromPairs(3, 4, [[0, 1], [1, 2], [2, 3], [2, 0]]) });
  it('refuses out-of-range indices and offsets, unsorted rows, overlapping hold-outs and bad confidences with a reason, before any backend write', async () => {
    const m = await ALS.create({ factors: 2, iterations: 1, tol: 0, backend: 'wasm' });
    const bad = (edit: (d: ReturnType<typeof ok>) => unknown, pattern: RegExp): void => {
      const d = ok();
      edit(d);
      expect(() => m.setData(d)).toThrow(pattern);
    };
    bad((d) => (d.train.indices[1] = 1e8), /train\.indices\[1\] = 100000000.*expected an item index in 0\.\.3/);
    bad((d) => (d.train.indices[0] = -1), /train\.indices\[0\] = -1/);
    bad((d) => (d.train.indptr[1] = 1e8), /train\.indptr\[1\] = 100000000/);
    bad((d) => { d.train.indices[2] = 3; d.train.indices[3] = 0; }, /row not sorted/);
    bad((d) => Object.assign(d, { test: csrFromPairs(3, 4, [[0, 1]]) }), /both in training and held out/);
    expect(() => m.setData(ok(), Float32Array.of(41, 41, NaN, 41))).toThrow(/conf\[2\] = NaN/);
    m.setData(ok()); // and a good one still loads
    m.iterate();
    expect(Number.isFinite(m.loss())).toBe(true);
    m.dispose();
  });
});
