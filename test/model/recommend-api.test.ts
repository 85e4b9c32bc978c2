// The recommendation calls implicit's users know, against brute force on a small model: filters and
// candidate lists, the batched recommendMany, similar items (with or without the item itself) and
// similar users, explain (contributions that add up to the fold-in score), recalculateItem.
import { describe, expect, it } from 'vitest';
import { ALS } from '../../src/model/als.js';
import { BACKEND_NAMES, randomData } from '../helpers.js';

function brute(scores: number[], n: number, skip: (j: number) => boolean): number[] {
  return scores.map((s, j) => [s, j] as const).filter(([, j]) => !skip(j)).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, n).map(([, j]) => j);
}

describe.each(BACKEND_NAMES)('recommendation API on backend %s', (backend) => {
  const data = randomData(50, 40, 8, 11);
  const make = async (): Promise<ALS> => {
    const m = await ALS.create({ factors: 6, regularization: 5, alpha: 10, solver: 'cholesky', tol: 1e-6, iterations: 500, backend, threads: 2 });
    await m.fit(data);
    return m;
  };
  const dot = (m: ALS, u: number, i: number): number => {
    let d = 0;
    for (let f = 0; f < m.k; f++) d += m.userFactors[u * m.k + f] * m.itemFactors[i * m.k + f];
    return d;
  };

  it('recommend honours filterSeen, filterItems and items (candidates), as brute force ranks them', async () => {
    const m = await make();
    const tr = m.trainRows;
    const u = 7;
    const seen = new Set(Array.from(tr.indices.subarray(tr.indptr[u], tr.indptr[u + 1])));
    const scores = Array.from({ length: 40 }, (_, i) => dot(m, u, i));
    const ids = (js: number[]): string[] => js.map((j) => m.itemIds.id(j));
    expect(m.recommend('7', 5).map((r) => r.item)).toEqual(ids(brute(scores, 5, (j) => seen.has(j))));
    const drop = ids(brute(scores, 3, (j) => seen.has(j)));
    expect(m.recommend('7', 5, { filterItems: drop }).map((r) => r.item)).toEqual(ids(brute(scores, 5, (j) => seen.has(j) || drop.includes(m.itemIds.id(j)))));
    const among = ['1', '2', '3', '30', '31', String([...seen][0])];
    expect(m.recommend('7', 10, { items: among, filterSeen: false }).map((r) => r.item)).toEqual(ids(brute(scores, 10, (j) => !among.includes(m.itemIds.id(j)))));
    expect(() => m.recommend('7', 5, { filterItems: ['nope'] })).toThrow(/unknown item "nope"/);
    m.dispose();
  });

  it('recommendMany gives, user by user, what recommend gives (and an empty row for an emptied user)', async () => {
    const m = await make();
    const tr = m.trainRows;
    const emptied = Array.from(tr.indices.subarray(tr.indptr[4], tr.indptr[5]), (i) => ['4', m.itemIds.id(i)] as const);
    m.forget(emptied);
    const users = Array.from({ length: 50 }, (_, u) => String(u));
    const batch = m.recommendMany(users, 6, { filterItems: ['0'] });
    for (let r = 0; r < 50; r++) {
      const one = m.recommend(users[r], 6, { filterItems: ['0'] });
      const row = Array.from(batch.items.subarray(r * 6, r * 6 + one.length), (j) => batch.itemId(j));
      expect(row).toEqual(one.map((x) => x.item));
      for (let t = 0; t < one.length; t++) expect(batch.scores[r * 6 + t]).toBeCloseTo(one[t].score, 5);
      if (r === 4) expect(Array.from(batch.items.subarray(24, 30))).toEqual([-1, -1, -1, -1, -1, -1]);
    }
    m.dispose();
  });

  it('similarItems (itself first with includeSelf) and similarUsers follow the cosine of the factors', async () => {
    const m = await make();
    const k = m.k;
    const cos = (V: Float32Array, a: number, b: number): number => {
      let d = 0, na = 0, nb = 0;
      for (let f = 0; f < k; f++) {
        d += V[a * k + f] * V[b * k + f];
        na += V[a * k + f] ** 2;
        nb += V[b * k + f] ** 2;
      }
      return d / Math.sqrt(na * nb);
    };
    const si = m.similarItems('5', 4, { includeSelf: true });
    expect(si[0].item).toBe('5');
    expect(si[0].score).toBeCloseTo(1, 5);
    const want = brute(Array.from({ length: 40 }, (_, j) => cos(m.itemFactors, 5, j)), 3, (j) => j === 5).map(String);
    expect(m.similarItems('5', 3).map((r) => r.item)).toEqual(want);
    expect(si.slice(1).map((r) => r.item)).toEqual(want);
    expect(m.similarItems('5', 3, { filter: [want[0]] }).map((r) => r.item)).not.toContain(want[0]);
    const su = m.similarUsers('9', 5);
    expect(su.map((r) => r.user)).toEqual(brute(Array.from({ length: 50 }, (_, j) => cos(m.userFactors, 9, j)), 5, (j) => j === 9).map(String));
    expect(m.similarUsers('9', 3, { among: ['1', '2', '3'] }).map((r) => r.user).sort()).toEqual(['1', '2', '3']);
    m.dispose();
  });

  it('explain: contributions of the user\'s items add up to the exact fold-in score, largest first', async () => {
    const m = await make();
    const tr = m.trainRows;
    const u = 12;
    const items = Array.from(tr.indices.subarray(tr.indptr[u], tr.indptr[u + 1]), (i) => m.itemIds.id(i));
    const x = m.recalculateUser(items);
    for (const item of ['0', '17', items[0]]) {
      const e = m.explain(String(u), item, 100);
      expect(e.items).toBe(items.length);
      const i = m.itemIds.get(item)!;
      let fold = 0;
      for (let f = 0; f < m.k; f++) fold += x[f] * m.itemFactors[i * m.k + f];
      expect(Math.abs(e.score - fold)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fold)));
      expect(Math.abs(e.top.reduce((a, c) => a + c.score, 0) - e.score)).toBeLessThan(1e-9);
      for (let t = 1; t < e.top.length; t++) expect(e.top[t - 1].score).toBeGreaterThanOrEqual(e.top[t].score);
      // converged: the model's own score is the fold-in score
      expect(Math.abs(e.score - dot(m, u, i))).toBeLessThan(1e-3);
    }
    expect(m.explain(String(u), '0', 2).top).toHaveLength(2);
    m.dispose();
  });

  it('recalculateItem and recommendFor: fold-ins that reproduce a converged model', async () => {
    const m = await make();
    const ic = m.interactions.byItem;
    const i = 3;
    const users = Array.from(ic.indices.view.subarray(ic.indptr.view[i], ic.indptr.view[i + 1]), (u) => m.userIds.id(u));
    const y = m.recalculateItem(users);
    for (let f = 0; f < m.k; f++) expect(Math.abs(y[f] - m.itemFactors[i * m.k + f])).toBeLessThan(1e-3);
    const tr = m.trainRows;
    const seen = Array.from(tr.indices.subarray(tr.indptr[2], tr.indptr[3]), (j) => m.itemIds.id(j));
    const x = m.recalculateUser(seen);
    expect(m.recommendFor(x, 5, { seen }).map((r) => r.item)).toEqual(m.recommend('2', 5).map((r) => r.item));
    m.dispose();
  });
});
