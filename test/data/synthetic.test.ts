import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { buildInteractions, holdoutSplit, nnz, toRawArrays, type Csr } from '../../src/data/interactions.js';
import { synthetic } from '../../src/data/synthetic.js';

/** Share of all pairs held by the top `fraction` of rows (or columns) by count. */
function topShare(counts: Int32Array, fraction: number): number {
  const sorted = Array.from(counts).sort((a, b) => b - a);
  const total = sorted.reduce((a, b) => a + b, 0);
  return sorted.slice(0, Math.ceil(fraction * sorted.length)).reduce((a, b) => a + b, 0) / total;
}

function colCounts(m: Csr): Int32Array {
  const c = new Int32Array(m.cols);
  for (let p = 0; p < nnz(m); p++) c[m.indices[p]!]!++;
  return c;
}

function rowCounts(m: Csr): Int32Array {
  const c = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) c[i] = m.indptr[i + 1]! - m.indptr[i]!;
  return c;
}

/** Mean over held-out pairs of the fraction of the user's unobserved items scored lower (ties ½). */
function heldOutAuc(score: (u: number, i: number) => number, train: Csr, test: Csr): number {
  const n = train.cols;
  const mark = new Int32Array(n).fill(-1);
  const s = new Float64Array(n);
  let sum = 0, pairs = 0;
  for (let u = 0; u < test.rows; u++) {
    if (test.indptr[u + 1] === test.indptr[u]) continue;
    for (const m of [train, test]) for (let p = m.indptr[u]!; p < m.indptr[u + 1]!; p++) mark[m.indices[p]!] = u;
    for (let j = 0; j < n; j++) s[j] = score(u, j);
    for (let p = test.indptr[u]!; p < test.indptr[u + 1]!; p++) {
      const si = s[test.indices[p]!]!;
      let below = 0, neg = 0;
      for (let j = 0; j < n; j++) {
        if (mark[j] === u) continue;
        neg++;
        if (s[j]! < si) below++;
        else if (s[j] === si) below += 0.5;
      }
      sum += below / neg;
      pairs++;
    }
  }
  return sum / pairs;
}

describe('synthetic', () => {
  const d = synthetic();

  it('has the default size exactly: 2,000 users, 1,000 items, 60,000 pairs, every user ≥ 5', () => {
    expect(d.csr.rows).toBe(2000);
    expect(d.csr.cols).toBe(1000);
    expect(nnz(d.csr)).toBe(60000);
    expect(d.users.size).toBe(2000);
    expect(d.items.size).toBe(1000);
    expect(d.users.id(17)).toBe('17');
    expect(Math.min(...rowCounts(d.csr))).toBeGreaterThanOrEqual(5);
    expect(Array.from(d.csr.values).every((v) => v === 1)).toBe(true);
  });

  it('has no duplicate pairs (strictly ascending columns; the strict duplicate rule accepts it)', () => {
    for (let u = 0; u < d.csr.rows; u++) {
      for (let p = d.csr.indptr[u]! + 1; p < d.csr.indptr[u + 1]!; p++) {
        expect(d.csr.indices[p]!).toBeGreaterThan(d.csr.indices[p - 1]!);
      }
    }
    const rebuilt = buildInteractions(toRawArrays(d), { duplicates: 'error' });
    expect(nnz(rebuilt.csr)).toBe(60000);
    expect(buildInteractions(d).csr).toBe(d.csr); // already clean: passed through
  });

  it('is deterministic for a seed and different for another seed', () => {
    const again = synthetic();
    expect(again.csr.indptr).toEqual(d.csr.indptr);
    expect(again.csr.indices).toEqual(d.csr.indices);
    expect(again.csr.timestamps).toEqual(d.csr.timestamps);
    const other = synthetic({ seed: 2 });
    expect(other.csr.indices).not.toEqual(d.csr.indices);
    const small1 = synthetic({ users: 50, items: 40, interactions: 600, rank: 3, seed: 99 });
    const small2 = synthetic({ users: 50, items: 40, interactions: 600, rank: 3, seed: 99 });
    expect(small1.csr.indices).toEqual(small2.csr.indices);
    expect(nnz(small1.csr)).toBe(600);
  });

  it('is skewed: top 10% of items hold over 35% of pairs, top 10% of users over 25%', () => {
    const items = topShare(colCounts(d.csr), 0.1);
    const users = topShare(rowCounts(d.csr), 0.1);
    console.log(`synthetic default: top 10% items hold ${(100 * items).toFixed(1)}%, top 10% users ${(100 * users).toFixed(1)}%`);
    expect(items).toBeGreaterThan(0.35);
    expect(users).toBeGreaterThan(0.25);
  });

  it('timestamps are whole seconds, distinct within each user, in 2020–2021', () => {
    const ts = d.csr.timestamps!;
    for (let u = 0; u < d.csr.rows; u++) {
      const row = Array.from(ts.subarray(d.csr.indptr[u]!, d.csr.indptr[u + 1]!)).sort((a, b) => a - b);
      for (let k = 0; k < row.length; k++) {
        expect(Number.isInteger(row[k])).toBe(true);
        if (k > 0) expect(row[k]!).toBeGreaterThan(row[k - 1]!);
      }
      expect(row[0]!).toBeGreaterThanOrEqual(1577836800);
      expect(row[row.length - 1]!).toBeLessThan(1577836800 + 366 * 86400 + 3600 * 600);
    }
  });

  it('carries a latent signal beyond popularity (true model AUC well above popularity AUC)', () => {
    const { train, test } = holdoutSplit(d.csr, 0.05, 0);
    const pop = colCounts(train);
    const popAuc = heldOutAuc((_, i) => pop[i]!, train, test);
    const truthAuc = heldOutAuc((u, i) => d.truth.score(u, i), train, test);
    console.log(`synthetic default: held-out AUC popularity ${popAuc.toFixed(3)}, true model ${truthAuc.toFixed(3)}`);
    expect(popAuc).toBeGreaterThan(0.7);
    expect(truthAuc).toBeGreaterThan(0.88);
    expect(truthAuc - popAuc).toBeGreaterThan(0.03);
  });

  // Speed is measured by the benchmark, not asserted here: this checks the sizes come out exact.
  it('generates exactly 500,000 and 100,000 pairs with at least 5 per user', () => {
    const big = synthetic({ users: 16_000, items: 5_000, interactions: 500_000, seed: 3 });
    const small = synthetic({ users: 3_200, items: 5_000, interactions: 100_000, seed: 3 });
    expect(nnz(big.csr)).toBe(500_000);
    expect(nnz(small.csr)).toBe(100_000);
    expect(Math.min(...rowCounts(big.csr))).toBeGreaterThanOrEqual(5);
  });

  it('rejects impossible options with a DataError', () => {
    expect(() => synthetic({ users: 100, interactions: 499 })).toThrow(DataError); // < 5 per user
    expect(() => synthetic({ users: 10, items: 10, interactions: 101 })).toThrow(DataError); // > users·items
    expect(() => synthetic({ rank: 0 })).toThrow(DataError);
    expect(() => synthetic({ users: 1.5 })).toThrow(DataError);
    // The densest possible case still works: every user takes every item.
    const full = synthetic({ users: 10, items: 10, interactions: 100 });
    expect(nnz(full.csr)).toBe(100);
  });
});

describe('synthetic({ counts: true })', () => {
  it('gives the same pairs with count values ≥ 1 that grow with the true preference, heavy-tailed', () => {
    const opts = { users: 400, items: 300, interactions: 12000, seed: 4 };
    const a = synthetic(opts);
    const b = synthetic({ ...opts, counts: true });
    expect(b.csr.indices).toEqual(a.csr.indices);
    expect(b.csr.indptr).toEqual(a.csr.indptr);
    const v = b.csr.values;
    expect(Array.from(v).every((x) => Number.isInteger(x) && x >= 1)).toBe(true);
    expect(Math.max(...v)).toBeGreaterThan(20); // a heavy tail
    expect(v.filter((x) => x === 1).length / v.length).toBeGreaterThan(0.2); // and many single plays
    // within each user, pairs above the user's median true preference have more plays on average
    let hi = 0, lo = 0, nh = 0, nl = 0;
    for (let u = 0; u < 400; u++) {
      const ps = Array.from({ length: b.csr.indptr[u + 1] - b.csr.indptr[u] }, (_, t) => b.csr.indptr[u] + t);
      const sc = ps.map((p) => b.truth.score(u, b.csr.indices[p]));
      const med = [...sc].sort((x, y) => x - y)[Math.floor(sc.length / 2)];
      ps.forEach((p, t) => {
        if (sc[t] > med) { hi += v[p]; nh++; } else { lo += v[p]; nl++; }
      });
    }
    expect(hi / nh).toBeGreaterThan(1.3 * (lo / nl));
    // deterministic
    expect(synthetic({ ...opts, counts: true }).csr.values).toEqual(v);
  });
});
