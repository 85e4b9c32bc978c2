import { describe, expect, it } from 'vitest';
import { synthetic } from '../../src/data/synthetic.js';
import { prepareDataset } from '../../src/data/dataset.js';
import { ALS } from '../../src/model/als.js';
import { heldOutAuc } from '../../src/eval/auc.js';
import { rankingMetricsAtK } from '../../src/eval/ranking.js';
import type { UserScorer } from '../../src/eval/scorer.js';
import { topN } from '../../src/eval/topn.js';
import { csrFromPairs } from '../helpers.js';

/** A scorer over a fixed dense score matrix, with a small batch to exercise batching. */
function fixedScorer(scores: number[][], batch = 2): UserScorer {
  const n = scores[0].length;
  const out = new Float32Array(batch * n);
  return {
    nItems: n,
    batch,
    score(users, count) {
      for (let b = 0; b < count; b++) out.set(scores[users[b]], b * n);
      return out;
    },
  };
}

describe('held-out AUC', () => {
  it('equals a brute-force count with ties as ½, per pair and per user', () => {
    // user 0: train {0}, test {1, 3}; user 1: train {2}, test {4}; user 2: nothing held out
    const scores = [
      [9, 5, 1, 2, 5, 0],
      [0, 1, 9, 3, 2, 2],
      [1, 1, 1, 1, 1, 1],
    ];
    const train = csrFromPairs(3, 6, [[0, 0], [1, 2], [2, 5]]);
    const test = csrFromPairs(3, 6, [[0, 1], [0, 3], [1, 4]]);
    const r = heldOutAuc(fixedScorer(scores), train, test);
    // user 0 negatives {2, 4, 5}: item 1 (5): 2 below (1, 0), 1 tie (5) → 2.5/3; item 3 (2): below 1 (0) and 1 (1)→ 2/3
    // user 1 negatives {0, 1, 3, 5}: item 4 (2): below 0, 1 → 2, tie 5 → 2.5/4
    const a = [2.5 / 3, 2 / 3, 2.5 / 4];
    expect(r.pairs).toBe(3);
    expect(r.users).toBe(2);
    expect(r.auc).toBeCloseTo((a[0] + a[1] + a[2]) / 3, 12);
    expect(r.userAuc).toBeCloseTo(((a[0] + a[1]) / 2 + a[2]) / 2, 12);
  });

  it("a model's AUC (its kernel's countBelow) equals the plain loop's, on both backends", async () => {
    const ds = prepareDataset(synthetic({ users: 300, items: 203, interactions: 9000, seed: 6 }), { holdout: 0.05, seed: 2 });
    for (const backend of ['wasm', 'js'] as const) {
      const m = await ALS.create({ factors: 8, iterations: 3, backend, threads: 1, seed: 1 });
      await m.fit(ds);
      const sc = m.scorer(16);
      try {
        expect(sc.countBelow).toBeTypeOf('function');
        const plain: UserScorer = { nItems: sc.nItems, batch: sc.batch, score: (u, c) => sc.score(u, c) };
        const got = heldOutAuc(sc, m.trainRows, m.testRows!);
        expect(got.pairs).toBeGreaterThan(100);
        expect(got).toEqual(heldOutAuc(plain, m.trainRows, m.testRows!));
        expect(m.auc()).toEqual(got);
      } finally {
        sc.release();
        m.dispose();
      }
    }
  });

  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    const train = csrFromPairs(1, 4, [[0, 0]]);
    const test = csrFromPairs(1, 4, [[0, 1]]);
    expect(heldOutAuc(fixedScorer([[0, 9, 1, 2]]), train, test).auc).toBe(1);
    expect(heldOutAuc(fixedScorer([[0, -9, 1, 2]]), train, test).auc).toBe(0);
  });
});

describe('ranking metrics as implicit defines them', () => {
  it('precision, MAP and nDCG at K on a hand-computed case', () => {
    // user 0: train {0}; test {2, 4}; ranking of unseen items by score: 1, 2, 3, 4, 5
    // user 1: train {5}; test {0}; ranking: 0, 1, ...
    const scores = [
      [100, 9, 8, 7, 6, 5],
      [9, 8, 7, 6, 5, 100],
    ];
    const train = csrFromPairs(2, 6, [[0, 0], [1, 5]]);
    const test = csrFromPairs(2, 6, [[0, 2], [0, 4], [1, 0]]);
    const m = rankingMetricsAtK(fixedScorer(scores), train, test, 3);
    // user 0 top3 = [1, 2, 3]: one hit at rank 1 → ap = 1/2, ap/min(3,2) = 0.25; dcg = 1/log2(3); idcg = 1 + 1/log2(3)
    // user 1 top3 = [0, 1, 2]: hit at rank 0 → ap = 1, /1 = 1; dcg = 1, idcg = 1
    expect(m.users).toBe(2);
    expect(m.precision).toBeCloseTo((1 + 1) / (2 + 1), 12);
    expect(m.map).toBeCloseTo((0.25 + 1) / 2, 12);
    const l3 = 1 / Math.log2(3);
    expect(m.ndcg).toBeCloseTo((l3 / (1 + l3) + 1) / 2, 12);
    // both users have a hit in their top 3; recall: user 0 found 1 of 2, user 1 found 1 of 1
    expect(m.hr).toBe(1);
    expect(m.recall).toBeCloseTo((0.5 + 1) / 2, 12);
    // at K = 1 user 0 has no hit (top 1 = [1]): HR 1/2
    const m1 = rankingMetricsAtK(fixedScorer(scores), train, test, 1);
    expect(m1.hr).toBe(0.5);
    expect(m1.recall).toBeCloseTo((0 + 1) / 2, 12);
  });
});

describe('topN', () => {
  it('matches a full sort, skips, and breaks ties toward the lower index', () => {
    const s = Float32Array.from([3, 7, 7, 1, 9, 7, 0]);
    const r = topN(s, 0, s.length, 4);
    expect(Array.from(r.items)).toEqual([4, 1, 2, 5]);
    expect(Array.from(r.scores)).toEqual([9, 7, 7, 7]);
    const r2 = topN(s, 0, s.length, 3, (j) => j === 4 || j === 1);
    expect(Array.from(r2.items)).toEqual([2, 5, 0]);
    expect(topN(s, 0, s.length, 100).items.length).toBe(7);
    const off = topN(Float32Array.from([5, 5, 1, 2]), 2, 2, 1);
    expect(Array.from(off.items)).toEqual([1]);
  });
});
