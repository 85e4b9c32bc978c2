// The cases of implicit's own test suite (recommender_base tests and als tests) that apply to an ALS
// recommender, on their data: a 50 × 50 "checkerboard" (even users like even items, odd users odd
// items, the diagonal withheld), 3 factors, no regularization. The README keeps the table of which
// cases run here and which do not apply, and why.
import { describe, expect, it } from 'vitest';
import { ALS } from '../src/model/als.js';
import { modelFromBytes, modelToBytes } from '../src/model/persist.js';
import { IdMap } from '../src/data/interactions.js';
import type { PairRows } from '../src/model/training-pairs.js';
import { BACKEND_NAMES } from './helpers.js';

/** implicit's checkerboard: user u likes item i when u ≡ i (mod 2), except i = u (withheld). */
function checkerboard(n: number, drop: number[] = []): { users: IdMap; items: IdMap; train: PairRows } {
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  for (let u = 0; u < n; u++) {
    if (!drop.includes(u)) for (let i = u % 2; i < n; i += 2) if (i !== u && !drop.includes(i)) idx.push(i);
    indptr[u + 1] = idx.length;
  }
  const ids = new IdMap(Array.from({ length: n }, (_, i) => String(i)));
  return { users: ids, items: new IdMap(ids.ids), train: { rows: n, cols: n, indptr, indices: Int32Array.from(idx) } };
}

describe.each(BACKEND_NAMES)("implicit's test cases on backend %s", (backend) => {
  const model = async (data = checkerboard(50), extra = {}): Promise<ALS> => {
    const m = await ALS.create({ factors: 3, regularization: 0, solver: 'cg', iterations: 200, backend, seed: 23, ...extra });
    await m.fit(data);
    return m;
  };

  it('recommend: each user\'s top item is the withheld one; N beyond the items returns what exists; filter_items', async () => {
    const m = await model();
    for (let u = 0; u < 50; u++) expect(m.recommend(String(u), 1)[0].item).toBe(String(u));
    expect(m.recommend('0', 10000).length).toBe(50 - 24); // every item but the 24 seen
    expect(m.recommend('0', 1, { filterItems: ['0'] })[0].item).not.toBe('0');
    m.dispose();
  });

  it('recommend with recalculate_user (a fold-in factor) gives the same item and score', async () => {
    // (λ 0.01: with λ 0 the fold-in's normal matrix is singular here, rank-2 data and 3 factors)
    // (and converged tightly with Cholesky, so that the model's own user rows are exact fold-ins)
    const m = await model(checkerboard(50), { regularization: 0.01, solver: 'cholesky', tol: 1e-8, iterations: 3000 });
    const tr = m.trainRows;
    for (let u = 0; u < 50; u++) {
      const seen = Array.from(tr.indices.subarray(tr.indptr[u], tr.indptr[u + 1]), String);
      const direct = m.recommend(String(u), 1)[0];
      const folded = m.recommendFor(m.recalculateUser(seen), 1, { seen })[0];
      expect(folded.item).toBe(direct.item);
      // implicit asks 4 places; here 1.6e-4 apart: float32 solves of a system with λ 0.01 against scores ~1
      expect(folded.score).toBeCloseTo(direct.score, 3);
    }
    m.dispose();
  });

  it('batch recommend equals one call per user; items= restricts the ranking to the candidates (rank_items)', async () => {
    const m = await model();
    const users = Array.from({ length: 50 }, (_, u) => String(u));
    const b = m.recommendMany(users, 3);
    users.forEach((u, r) => expect(Array.from(b.items.subarray(3 * r, 3 * r + 3), (j) => b.itemId(j))).toEqual(m.recommend(u, 3).map((x) => x.item)));
    const selected = ['3', '10', '11', '20', '45'];
    const ranked = m.recommend('7', 10, { items: selected, filterSeen: false });
    expect(new Set(ranked.map((x) => x.item))).toEqual(new Set(selected));
    expect(() => m.recommend('7', 10, { items: [...selected, '51'] })).toThrow(/unknown item "51"/);
    m.dispose();
  });

  it('evaluation: precision@1 on the withheld diagonal is 1', async () => {
    const m = await model();
    const eye: PairRows = { rows: 50, cols: 50, indptr: Int32Array.from({ length: 51 }, (_, i) => i), indices: Int32Array.from({ length: 50 }, (_, i) => i) };
    expect(m.rankingMetrics(1, eye).precision).toBe(1);
    m.dispose();
  });

  it('similar_items and similar_users stay within their parity; similar_items can start with the item itself', async () => {
    const m = await model();
    for (let i = 0; i < 50; i++) {
      for (const r of m.similarItems(String(i), 10)) expect(Number(r.item) % 2).toBe(i % 2);
      for (const r of m.similarUsers(String(i), 10)) expect(Number(r.user) % 2).toBe(i % 2);
      expect(m.similarItems(String(i), 10, { includeSelf: true })[0].item).toBe(String(i));
    }
    m.dispose();
  });

  it('zero-length rows: an item nobody has (42, and the last, 49) is similar to nothing', async () => {
    const m = await model(checkerboard(50, [42, 49]));
    for (let i = 0; i < 40; i++) expect(m.similarItems(String(i), 10).map((r) => r.item)).not.toContain('42');
    m.dispose();
  });

  it('explain: the contributions add up to the fold-in score, and the top contributor is of the same parity', async () => {
    const m = await model(checkerboard(50), { regularization: 0.01, solver: 'cholesky' });
    const e = m.explain('4', '4', 5);
    expect(e.top.every((c) => Number(c.item) % 2 === 0)).toBe(true);
    const x = m.recalculateUser(Array.from({ length: 24 }, (_, t) => String(2 * t + (2 * t >= 4 ? 2 : 0))).filter((i) => i !== '4'));
    let s = 0;
    for (let f = 0; f < 3; f++) s += x[f] * m.itemFactors[4 * 3 + f];
    expect(Math.abs(e.score - s)).toBeLessThan(1e-3 * Math.max(1, Math.abs(s)));
    m.dispose();
  });

  it('more factors than items (32 on 5) with regularization, and serialization of a fitted model', async () => {
    const data = checkerboard(5);
    const m = await ALS.create({ factors: 32, regularization: 0.1, iterations: 30, backend });
    await m.fit(data);
    expect(m.recommend('0', 2)).toHaveLength(2);
    const back = await modelFromBytes(modelToBytes(m));
    expect(Array.from(back.userFactors)).toEqual(Array.from(m.userFactors));
    expect(back.recommend('0', 2)).toEqual(m.recommend('0', 2));
    m.dispose();
    back.dispose();
  });

  it('partial fit: new users and items, learned from their interactions, recommend like the rest', async () => {
    // a checkerboard of 48 is the base; users and items 48, 49 arrive later
    const m = await model(checkerboard(50, [48, 49]), { regularization: 0.01 });
    const tr = checkerboard(50).train;
    const fresh: Array<readonly [string, string]> = [];
    for (let u = 0; u < 50; u++) {
      for (let p = tr.indptr[u]; p < tr.indptr[u + 1]; p++) if (u >= 48 || tr.indices[p] >= 48) fresh.push([String(u), String(tr.indices[p])]);
    }
    const r = m.learn(fresh, { tol: 1e-4 });
    expect(r.converged).toBe(true);
    expect(m.recommend('48', 1)[0].item).toBe('48');
    expect(m.recommend('49', 1)[0].item).toBe('49');
    for (const s of m.similarItems('49', 5)) expect(Number(s.item) % 2).toBe(1);
    m.dispose();
  });
});
