// The audit on a fixed synthetic problem: V and V′ by Eq. 5–6, the attack's split, and the KS test
// that must separate the undeleted model's forgotten pairs from held-out pairs but not those of the
// exact-untrained or the retrained model.
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../src/data/dataset.js';
import { synthetic } from '../../src/data/synthetic.js';
import { ALS } from '../../src/model/als.js';
import { modelFromBytes, modelToBytes } from '../../src/model/persist.js';
import { retrain } from '../../src/model/retrain.js';
import { pairsAt, sampleTrainingPairs } from '../../src/model/forget.js';
import {
  beforeAfterAuc, forgottenVsHeldOut, membershipInference, miSplit, pairScores, pairScoresMany, vulnerability, type IndexPairs,
} from '../../src/audit/membership.js';

describe('vulnerability', () => {
  it('is Eq. 5 and Eq. 6 exactly', () => {
    const v = vulnerability({ undeleted: 0.5, retrain: 0.52, untrain: 0.47 });
    expect(v.V).toBeCloseTo(-0.05, 15);
    expect(v.Vprime).toBeCloseTo(-0.55, 15);
    expect(vulnerability({ undeleted: 0.49, retrain: 0.6, untrain: 0.6 })).toEqual({ V: 0, Vprime: -0.49 });
  });
});

describe('membership inference split', () => {
  it('is balanced, stratified, seeded and uses the smaller set fully', () => {
    const remain = { users: Int32Array.from({ length: 50 }, (_, i) => i), items: new Int32Array(50) };
    const removed = { users: Int32Array.from({ length: 10 }, (_, i) => 100 + i), items: new Int32Array(10).fill(1) };
    const s = miSplit(remain, removed, 3);
    expect(s.labels.length).toBe(20);
    expect(s.trainCount).toBe(10);
    const ones = (a: Uint8Array) => a.reduce((x, y) => x + y, 0);
    expect(ones(s.labels.subarray(0, 10))).toBe(5);
    expect(ones(s.labels.subarray(10))).toBe(5);
    expect(new Set(Array.from(s.pairs.users).filter((u) => u >= 100)).size).toBe(10);
    expect(Array.from(miSplit(remain, removed, 3).pairs.users)).toEqual(Array.from(s.pairs.users));
    expect(Array.from(miSplit(remain, removed, 4).pairs.users)).not.toEqual(Array.from(s.pairs.users));
  });
});

describe('pair scores', () => {
  it('match x_u·y_i and the rank counted by brute force, by scan and by sorted row alike', async () => {
    const ds = prepareDataset(synthetic({ users: 60, items: 50, interactions: 900, seed: 2 }), { holdout: 0 });
    const model = await ALS.create({ factors: 6, iterations: 3, seed: 1 });
    await model.fit(ds);
    // user 0 gets 20 pairs (the sorted-row path), users 1..9 one each (the scan path)
    const users = Int32Array.from({ length: 29 }, (_, t) => (t < 20 ? 0 : t - 19));
    const items = Int32Array.from({ length: 29 }, (_, t) => (t * 7) % 50);
    const pairs = { users, items };
    const X = model.userFactors;
    const Y = model.itemFactors;
    const k = 6;
    const dot = (u: number, i: number): number => {
      let s = 0;
      for (let f = 0; f < k; f++) s += Math.fround(X[u * k + f]) * Math.fround(Y[i * k + f]);
      return s;
    };
    const got = pairScores(model, pairs);
    for (let t = 0; t < users.length; t++) {
      const u = users[t];
      expect(got.score[t]).toBeCloseTo(dot(u, items[t]), 4);
      // rank from the model's own float32 scores of the whole row
      const row = Array.from({ length: 50 }, (_, j) => got.score[t] + (dot(u, j) - dot(u, items[t])));
      const above = row.filter((v, j) => j !== items[t] && v > got.score[t] + 1e-5).length;
      const near = row.filter((v, j) => j !== items[t] && Math.abs(v - got.score[t]) <= 1e-5).length;
      const r = (1 - got.rankPercentile[t]) * 49;
      expect(r).toBeGreaterThanOrEqual(above - 1e-9);
      expect(r).toBeLessThanOrEqual(above + near + 1e-9);
    }
    // several sets at once give the same as one at a time; without ranks the scores are unchanged
    const other = { users: Int32Array.of(3, 0), items: Int32Array.of(4, 9) };
    const [a, b] = pairScoresMany(model, [pairs, other]);
    expect(Array.from(a.score)).toEqual(Array.from(got.score));
    expect(Array.from(a.rankPercentile)).toEqual(Array.from(got.rankPercentile));
    expect(Array.from(b.rankPercentile)).toEqual(Array.from(pairScores(model, other).rankPercentile));
    expect(Array.from(pairScores(model, other, false).score)).toEqual(Array.from(b.score));
    model.dispose();
  });
});

describe('audit on synthetic data (seed 5)', () => {
  it('KS separates the undeleted model only; MI and the before/after attacker behave', async () => {
    const ds = prepareDataset(synthetic({ seed: 5 }), { holdout: 0.02, seed: 5 });
    const opts = { factors: 16, regularization: 30, alpha: 10, solver: 'cholesky' as const, iterations: 40, seed: 5, backend: 'wasm' as const };
    const base = await ALS.create(opts);
    await base.fit(ds);
    const heldOut = pairsAt(ds.test!);
    const removal = sampleTrainingPairs(base, heldOut.users.length / ds.train.indptr[ds.train.rows], 6);
    const forgotten: IndexPairs = {
      users: Int32Array.from(removal, ([u]) => base.userIds.get(u)!),
      items: Int32Array.from(removal, ([, i]) => base.itemIds.get(i)!),
    };
    const undeleted = await modelFromBytes(modelToBytes(base));
    base.forget(removal, { tol: 1e-5, maxPasses: 300 });
    const untrained = base;
    const block = await modelFromBytes(modelToBytes(undeleted));
    block.forget(removal, { mode: 'block', tol: 1e-5, maxPasses: 300 });
    const { model: retrained } = await retrain(untrained, { iterations: 40, seed: 11 });

    const ks = {
      undeleted: forgottenVsHeldOut(undeleted, forgotten, heldOut),
      exact: forgottenVsHeldOut(untrained, forgotten, heldOut),
      retrain: forgottenVsHeldOut(retrained, forgotten, heldOut),
      block: forgottenVsHeldOut(block, forgotten, heldOut),
    };
    console.log('KS forgotten vs held-out:', Object.entries(ks).map(([k, v]) => `${k} D=${v.statistic.toFixed(3)} p=${v.pValue.toExponential(2)}`).join('; '));
    // stated thresholds: the undeleted model remembers (p < 1e-6); exact untraining and retraining do not (p > 0.01)
    expect(ks.undeleted.pValue).toBeLessThan(1e-6);
    expect(ks.exact.pValue).toBeGreaterThan(0.01);
    expect(ks.retrain.pValue).toBeGreaterThan(0.01);
    expect(ks.block.statistic).toBeGreaterThan(ks.exact.statistic);

    // MI on one split for all three models
    const userCount = new Float64Array(ds.users.size);
    const itemCount = new Float64Array(ds.items.size);
    const all = pairsAt(undeleted.trainRows);
    all.users.forEach((u, t) => {
      userCount[u]++;
      itemCount[all.items[t]]++;
    });
    const remain = pairsAt(untrained.trainRows);
    const split = miSplit(remain, forgotten, 1);
    const mi = {
      undeleted: membershipInference(undeleted, split, userCount, itemCount).accuracy,
      retrain: membershipInference(retrained, split, userCount, itemCount).accuracy,
      untrain: membershipInference(untrained, split, userCount, itemCount).accuracy,
    };
    const v = vulnerability(mi);
    console.log(`MI undeleted ${mi.undeleted.toFixed(3)}, retrain ${mi.retrain.toFixed(3)}, untrain ${mi.untrain.toFixed(3)}; V ${v.V.toFixed(3)}, V′ ${v.Vprime.toFixed(3)}`);
    expect(Math.abs(mi.undeleted - 0.5)).toBeLessThan(0.06); // both sets were training data for it
    expect(Math.abs(v.V)).toBeLessThan(0.05);

    // before/after: score drops single out the forgotten pairs far better than chance, for both
    const others = { users: remain.users.subarray(0, 4000), items: remain.items.subarray(0, 4000) };
    const baU = beforeAfterAuc(undeleted, untrained, forgotten, others);
    const baR = beforeAfterAuc(undeleted, retrained, forgotten, others);
    console.log(`before/after AUC: untrain ${baU.toFixed(3)}, retrain ${baR.toFixed(3)}`);
    expect(baU).toBeGreaterThan(0.6);
  });
});
