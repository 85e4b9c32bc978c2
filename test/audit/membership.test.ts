// The audit on synthetic problems: V and V′ by Eq. 5–6, the attack's split, and the KS test that
// must separate the undeleted model's forgotten pairs from held-out pairs but not those of the
// exact-untrained or the retrained model — over several data, split and removal seeds, not one.
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../src/data/dataset.js';
import { synthetic } from '../../src/data/synthetic.js';
import { ALS } from '../../src/model/als.js';
import { modelFromBytes, modelToBytes } from '../../src/model/persist.js';
import { retrain } from '../../src/model/retrain.js';
import { pairsAt, sampleTrainingPairs } from '../../src/model/forget.js';
import { fisherCombined } from '../../src/audit/stats.js';
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

// One audit run: synthetic data (seed d), a 2% hold-out (split seed s), a removal set as large as
// the hold-out drawn uniformly from train (removal seed r, which also seeds the attack's split).
// Base, exact untraining and retraining all run to the same certificate TOL, close to a stationary
// point (as experiment.ts does: stopping earlier leaves memory the attacker sees). With the base
// and the retrained model stopped at 40 iterations (certificates 8e-5–4e-4) and untraining to
// 1e-5 in at most 300 passes (not always reached), 16 runs gave |V| up to 0.015 and undeleted KS
// p up to 3e-3; with all three at 1e-5, |V| ≤ 0.0075 and p ≤ 8.5e-4 on the same runs.
const TOL = 1e-5;
const MAX_PASSES = 1000;

interface AuditRun {
  seeds: string;
  ks: Record<'undeleted' | 'exact' | 'retrain' | 'block', { statistic: number; pValue: number }>;
  mi: { undeleted: number; retrain: number; untrain: number };
  V: number;
  /** Share of forgotten pairs scored higher by the block-mode model than by the exact one. */
  blockAbove: number;
  /** Mean over forgotten pairs of score(block) − score(exact), and of score(undeleted) − score(exact). */
  blockGap: number;
  undeletedGap: number;
  beforeAfter: { untrain: number; retrain: number };
}

async function audit(d: number, s: number, r: number): Promise<AuditRun> {
  const ds = prepareDataset(synthetic({ seed: d }), { holdout: 0.02, seed: s });
  const opts = { factors: 16, regularization: 30, alpha: 10, solver: 'cholesky' as const, iterations: MAX_PASSES, tol: TOL, seed: d, backend: 'wasm' as const };
  const base = await ALS.create(opts);
  // fit without the held-out pairs (no AUC per iteration), to the certificate
  const fit = await base.fit({ ...ds, test: undefined });
  expect(fit.residual).toBeLessThanOrEqual(TOL);
  const heldOut = pairsAt(ds.test!);
  const removal = sampleTrainingPairs(base, heldOut.users.length / ds.train.indptr[ds.train.rows], r);
  const forgotten: IndexPairs = {
    users: Int32Array.from(removal, ([u]) => base.userIds.get(u)!),
    items: Int32Array.from(removal, ([, i]) => base.itemIds.get(i)!),
  };
  const undeleted = await modelFromBytes(modelToBytes(base));
  const ur = base.forget(removal, { tol: TOL, maxPasses: MAX_PASSES });
  expect(ur.certificateAfter).toBeLessThanOrEqual(TOL);
  const untrained = base;
  // the paper's block mode, given as many passes (it converges to another objective, so no tol)
  const block = await modelFromBytes(modelToBytes(undeleted));
  block.forget(removal, { mode: 'block', tol: 0, maxPasses: Math.max(1, ur.passes) });
  const rr = await retrain(untrained, { iterations: MAX_PASSES, tol: TOL, seed: d + 100 });
  expect(rr.reachedTolAt).not.toBeNull();
  const retrained = rr.model;

  const ks = {
    undeleted: forgottenVsHeldOut(undeleted, forgotten, heldOut),
    exact: forgottenVsHeldOut(untrained, forgotten, heldOut),
    retrain: forgottenVsHeldOut(retrained, forgotten, heldOut),
    block: forgottenVsHeldOut(block, forgotten, heldOut),
  };
  // paired: the same forgotten pairs under the block, undeleted and exact models
  const [sB, sU, sE] = [block, undeleted, untrained].map((m) => pairScores(m, forgotten, false).score);
  let above = 0, blockGap = 0, undeletedGap = 0;
  for (let t = 0; t < sE.length; t++) {
    if (sB[t] > sE[t]) above++;
    blockGap += sB[t] - sE[t];
    undeletedGap += sU[t] - sE[t];
  }

  // MI on one split for all three models
  const userCount = new Float64Array(ds.users.size);
  const itemCount = new Float64Array(ds.items.size);
  const all = pairsAt(undeleted.trainRows);
  all.users.forEach((u, t) => {
    userCount[u]++;
    itemCount[all.items[t]]++;
  });
  const remain = pairsAt(untrained.trainRows);
  const split = miSplit(remain, forgotten, r);
  const mi = {
    undeleted: membershipInference(undeleted, split, userCount, itemCount).accuracy,
    retrain: membershipInference(retrained, split, userCount, itemCount).accuracy,
    untrain: membershipInference(untrained, split, userCount, itemCount).accuracy,
  };
  const others = { users: remain.users.subarray(0, 4000), items: remain.items.subarray(0, 4000) };
  const out: AuditRun = {
    seeds: `data ${d}, split ${s}, removal ${r}`,
    ks: Object.fromEntries(Object.entries(ks).map(([k, v]) => [k, { statistic: v.statistic, pValue: v.pValue }])) as AuditRun['ks'],
    mi,
    V: vulnerability(mi).V,
    blockAbove: above / sE.length,
    blockGap: blockGap / sE.length,
    undeletedGap: undeletedGap / sE.length,
    beforeAfter: {
      untrain: beforeAfterAuc(undeleted, untrained, forgotten, others),
      retrain: beforeAfterAuc(undeleted, retrained, forgotten, others),
    },
  };
  for (const m of [undeleted, untrained, block, retrained]) m.dispose();
  return out;
}

// Seeds run in CI: (data, split, removal) = (s, s, s + 1). UNTRAIN_ALS_AUDIT_SEEDS="d:s:r,…" runs
// others (how the spread below was measured).
const SEEDS: Array<[number, number, number]> = process.env.UNTRAIN_ALS_AUDIT_SEEDS
  ? process.env.UNTRAIN_ALS_AUDIT_SEEDS.split(',').map((t) => t.split(':').map(Number) as [number, number, number])
  : [1, 2, 3, 4, 5].map((s) => [s, s, s + 1]);

// Spread over 24 runs at TOL (data = split = s, removal s + 1 for s = 1..12; data 5 with split 1–4;
// data 5, split 5 with removal 1–3; split 5, removal 6 with data 1–4 and 6), min / median / max:
//   KS p undeleted            7.0e-12 / 1.1e-7 / 8.5e-4     D undeleted − D retrain  0.040 / 0.086 / 0.109
//   KS p exact                0.023 / 0.50 / 1.00           |D exact − D retrain|     0 / 0.0008 / 0.0075 (†)
//   KS p retrain              0.036 / 0.50 / 1.00           D block − D exact        −0.021 / 0.010 / 0.026 (*)
//   block above exact (share) 0.79 / 0.96 / 0.97            mean block − exact score 0.0147 / 0.0164 / 0.0183
//   (block − exact) / (undeleted − exact), mean score        0.175 / 0.195 / 0.213
//   |MI undeleted − 0.5|      0.002 / 0.015 / 0.029         |V|                       0 / 0.0008 / 0.0058
//   MI retrain − MI undeleted 0.038 / 0.076 / 0.100 (mean of 5 runs, 520 subsets: ≥ 0.058)
//   before/after AUC untrain  0.878 / 0.912 / 0.921         retrain                   0.852 / 0.907 / 0.921
//   Fisher-combined p of 5 runs (520 subsets): undeleted ≤ 9.2e-21; exact ≥ 0.0096; retrain ≥ 0.0099
// (†) 0.0092 on data 5 with retrain seed 11: that retrain stops at a slightly different point.
// (*) the old assertion D block > D exact failed on 7 of 24 runs: with c = 0 against c = 1 on ~1000
// unobserved items per user the two distributions barely differ; the paired comparison does not.
// Thresholds sit beyond the measured extreme, between it and what chance or a broken untraining
// would give (noted with each); for p-values, which are uniform when there is no effect, far
// enough in the tail that chance alone almost never crosses them.
const THRESHOLDS = {
  ksUndeletedP: 0.01, // max 8.5e-4 measured; per run
  ksGapUndeletedRetrain: 0.02, // min 0.040
  ksGapExactRetrain: 0.02, // max 0.0092; a no-op untraining would give D undeleted − D retrain ≥ 0.04
  blockAbove: 0.7, // min 0.79; 0 if block mode were exact mode (ties), ~0.5 if noise
  blockGap: 0.007, // min 0.0147
  blockGapShare: 0.5, // max 0.213; 1 if block mode forgot nothing
  miUndeleted: 0.06, // max 0.029; ≈ 4 sd of a 1200-pair accuracy at 0.5
  V: 0.025, // max 0.0058; a no-op untraining would give |V| = MI retrain − MI undeleted ≥ 0.038
  miSeesDeletion: 0.04, // mean over the runs of MI retrain − MI undeleted; ≥ 0.058 over 5 runs
  beforeAfter: 0.75, // min 0.852; chance is 0.5
  ksUndeletedCombinedP: 1e-10, // ≤ 9.2e-21 over 5 runs
  ksCombinedP: 1e-3, // ≥ 0.0096 over 5 runs; uniform when untraining is exact, so P(fail by chance) = 1e-3
};

describe('audit on synthetic data over seeds', () => {
  const runs: AuditRun[] = [];
  for (const [d, s, r] of SEEDS) {
    it(`data ${d}, split ${s}, removal ${r}: untrained ≈ retrained, the undeleted model remembers`, async () => {
      const a = await audit(d, s, r);
      runs.push(a);
      console.log(`AUDIT ${JSON.stringify(a)}`);
      // KS: exact untraining leaves the forgotten pairs' scores where retraining puts them, far
      // closer than the undeleted model's
      expect(Math.abs(a.ks.exact.statistic - a.ks.retrain.statistic)).toBeLessThan(THRESHOLDS.ksGapExactRetrain);
      expect(a.ks.undeleted.statistic - a.ks.retrain.statistic).toBeGreaterThan(THRESHOLDS.ksGapUndeletedRetrain);
      expect(a.ks.undeleted.pValue).toBeLessThan(THRESHOLDS.ksUndeletedP);
      // block mode (c = 0) leaves the forgotten pairs unconstrained, so they score above exact
      // untraining's (c = 1, pushed to 0) — paired, the same pairs under both models
      expect(a.blockAbove).toBeGreaterThan(THRESHOLDS.blockAbove);
      expect(a.blockGap).toBeGreaterThan(THRESHOLDS.blockGap);
      expect(a.blockGap).toBeLessThan(THRESHOLDS.blockGapShare * a.undeletedGap);
      // MI: both sets were training data for the undeleted model; untrained ≈ retrained (V ≈ 0)
      expect(Math.abs(a.mi.undeleted - 0.5)).toBeLessThan(THRESHOLDS.miUndeleted);
      expect(Math.abs(a.V)).toBeLessThan(THRESHOLDS.V);
      // before/after: score drops single out the forgotten pairs far better than chance, for both
      expect(a.beforeAfter.untrain).toBeGreaterThan(THRESHOLDS.beforeAfter);
      expect(a.beforeAfter.retrain).toBeGreaterThan(THRESHOLDS.beforeAfter);
    });
  }

  it('over the seeds: KS (Fisher-combined) tells the undeleted model apart, not exact or retrained; MI sees the deletion', () => {
    expect(runs.length).toBe(SEEDS.length);
    // V ≈ 0 means something only if the attack can see a deletion at all
    const seen = runs.reduce((t, a) => t + a.mi.retrain - a.mi.undeleted, 0) / runs.length;
    expect(seen).toBeGreaterThan(THRESHOLDS.miSeesDeletion);
    const combined = (k: keyof AuditRun['ks']) => fisherCombined(runs.map((a) => a.ks[k].pValue));
    console.log(`Fisher-combined KS p: undeleted ${combined('undeleted').toExponential(2)}, exact ${combined('exact').toExponential(2)}, retrain ${combined('retrain').toExponential(2)}`);
    expect(combined('undeleted')).toBeLessThan(THRESHOLDS.ksUndeletedCombinedP);
    expect(combined('exact')).toBeGreaterThan(THRESHOLDS.ksCombinedP);
    expect(combined('retrain')).toBeGreaterThan(THRESHOLDS.ksCombinedP);
  });
});
