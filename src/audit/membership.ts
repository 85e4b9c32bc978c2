// Membership inference against a recommender, as the paper's audit (section 3, appendix B) defines
// it, and the stronger score-distribution tests we add.
//
// The attack: positives are the model's outputs on remaining training pairs, negatives on the
// forgotten pairs; equal numbers of each (seeded sample), split 50/50 into attack-train and
// attack-validation; a logistic regression on each pair's features — the score x_u·y_i, the rank of
// i in u's list as a percentile, and the user's and the item's interaction counts in the original
// data (the same for every model, so that only the model's outputs differ). MI is the attack's
// accuracy on the validation half (AUC reported too).
//
// Reading it: MI(undeleted) ≈ 0.5 by construction (both sets were training data for it).
// V = MI(untrain) − MI(retrain) ≈ 0 means untraining is as private as retraining. V < 0 is NOT
// better privacy: the forgotten pairs still look like training pairs to the attacker (left-over
// memory). V′ = V − MI(undeleted) is V shifted by about −0.5; reported because the paper does.
import { Rng, sampleWithoutReplacement } from '../data/random.js';
import type { ALS } from '../model/als.js';
import { accuracy, fitLogistic, predictProba, rocAuc } from './logistic.js';
import { ksTwoSample } from './ks.js';

/** Pairs as dense indices: users[t], items[t]. */
export interface IndexPairs {
  users: Int32Array;
  items: Int32Array;
}

export const FEATURES = ['score', 'rankPercentile', 'userCount', 'itemCount'] as const;

export interface PairScores {
  score: Float64Array;
  /** Percentile of the item's rank in the user's list (1 = top); only when ranks were asked for. */
  rankPercentile: Float64Array;
}

/** Score of each pair and the percentile of its rank in the user's list (1 = top). */
export function pairScores(model: ALS, pairs: IndexPairs, ranks = true): PairScores {
  return pairScoresMany(model, [pairs], ranks)[0];
}

/** Above this many pairs of one user, ranks come from a sorted copy of the row, not a scan per pair. */
const SORT_FROM = 8;

/**
 * `pairScores` for several pair sets under one model: each user's row of scores is computed once
 * for all sets. Ranks cost one scan of the row per pair, or one sort of the row when the user has
 * many pairs (the attack's samples hold thousands of pairs of a few hundred users).
 */
export function pairScoresMany(model: ALS, sets: readonly IndexPairs[], ranks = true): PairScores[] {
  const out = sets.map((p) => ({
    score: new Float64Array(p.users.length),
    rankPercentile: new Float64Array(ranks ? p.users.length : 0),
  }));
  // each user's pairs as (set, index) in two parallel lists
  const byUser = new Map<number, { ks: number[]; ts: number[] }>();
  sets.forEach((p, k) => {
    for (let t = 0; t < p.users.length; t++) {
      const u = p.users[t];
      let g = byUser.get(u);
      if (!g) byUser.set(u, (g = { ks: [], ts: [] }));
      g.ks.push(k);
      g.ts.push(t);
    }
  });
  const sc = model.scorer();
  const nItems = model.nItems;
  const sorted = new Float32Array(nItems);
  try {
    const users = Int32Array.from(byUser.keys());
    for (let start = 0; start < users.length; start += sc.batch) {
      const count = Math.min(sc.batch, users.length - start);
      const s = sc.score(users.subarray(start, start + count), count);
      for (let b = 0; b < count; b++) {
        const o = b * nItems;
        const u = users[start + b];
        const { ks, ts } = byUser.get(u)!;
        const useSort = ranks && ks.length >= SORT_FROM;
        if (useSort) {
          sorted.set(s.subarray(o, o + nItems));
          sorted.sort();
        }
        for (let q = 0; q < ks.length; q++) {
          const k = ks[q];
          const t = ts[q];
          const si = s[o + sets[k].items[t]];
          out[k].score[t] = si;
          if (!ranks) continue;
          let above = 0;
          if (useSort) above = nItems - upperBound(sorted, si);
          else for (let j = 0; j < nItems; j++) if (s[o + j] > si) above++;
          out[k].rankPercentile[t] = nItems > 1 ? 1 - above / (nItems - 1) : 1;
        }
      }
    }
  } finally {
    sc.release();
  }
  return out;
}

/** Index of the first element of ascending `a` greater than x. */
function upperBound(a: Float32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface MiSplit {
  /** Attack pairs: the first `trainCount` train the attack, the rest validate it. */
  pairs: IndexPairs;
  /** 1 = remaining training pair (member), 0 = forgotten pair. */
  labels: Uint8Array;
  trainCount: number;
}

/**
 * The balanced, seeded attack sample and its 50/50 split: min(|remain|, |removed|) pairs of each,
 * each half split evenly (stratified) between attack-train and attack-validation. Fixed once and
 * used for every model, as the paper compares models on the same split.
 */
export function miSplit(remain: IndexPairs, removed: IndexPairs, seed: number): MiSplit {
  const rng = new Rng(seed);
  const m = Math.min(remain.users.length, removed.users.length);
  if (m < 4) throw new Error(`membership inference needs at least 4 forgotten and 4 remaining pairs (have ${removed.users.length} and ${remain.users.length})`);
  const pick = (p: IndexPairs): Int32Array => {
    const idx = sampleWithoutReplacement(p.users.length, m, rng);
    rng.shuffle(idx);
    return idx;
  };
  const a = pick(remain);
  const b = pick(removed);
  const half = m >> 1;
  const users = new Int32Array(2 * m);
  const items = new Int32Array(2 * m);
  const labels = new Uint8Array(2 * m);
  // layout: [remain train | removed train | remain validation | removed validation]
  const put = (at: number, src: IndexPairs, idx: Int32Array, from: number, to: number, label: number): number => {
    for (let q = from; q < to; q++) {
      users[at] = src.users[idx[q]];
      items[at] = src.items[idx[q]];
      labels[at++] = label;
    }
    return at;
  };
  let at = put(0, remain, a, 0, half, 1);
  at = put(at, removed, b, 0, half, 0);
  const trainCount = at;
  at = put(at, remain, a, half, m, 1);
  put(at, removed, b, half, m, 0);
  return { pairs: { users, items }, labels, trainCount };
}

export interface MiResult {
  /** Attack accuracy on the validation half: the paper's MI. */
  accuracy: number;
  /** Attack ROC AUC on the validation half. */
  auc: number;
  trainPairs: number;
  validationPairs: number;
}

/**
 * Runs the attack on one model. `userCount`/`itemCount`: interaction counts in the original data,
 * indexed by dense user/item index.
 */
export function membershipInference(
  model: ALS, split: MiSplit, userCount: ArrayLike<number>, itemCount: ArrayLike<number>,
): MiResult {
  const { score, rankPercentile } = pairScores(model, split.pairs);
  const n = split.labels.length;
  const d = FEATURES.length;
  const X = new Float64Array(n * d);
  for (let t = 0; t < n; t++) {
    X[t * d] = score[t];
    X[t * d + 1] = rankPercentile[t];
    X[t * d + 2] = Math.log1p(userCount[split.pairs.users[t]]);
    X[t * d + 3] = Math.log1p(itemCount[split.pairs.items[t]]);
  }
  const nt = split.trainCount;
  const lr = fitLogistic(X.subarray(0, nt * d), split.labels.subarray(0, nt), nt, d);
  const p = predictProba(lr, X.subarray(nt * d), n - nt);
  const yv = split.labels.subarray(nt);
  return { accuracy: accuracy(p, yv), auc: rocAuc(p, yv), trainPairs: nt, validationPairs: n - nt };
}

/** The paper's vulnerability (Eq. 5) and its de-noised form (Eq. 6), from MI accuracies. */
export function vulnerability(mi: { undeleted: number; retrain: number; untrain: number }): { V: number; Vprime: number } {
  const V = mi.untrain - mi.retrain;
  return { V, Vprime: V - mi.undeleted };
}

/**
 * Do the forgotten pairs' scores look like those of held-out pairs (real positives the model never
 * trained on)? Two-sample KS on the scores under one model.
 */
export function forgottenVsHeldOut(model: ALS, forgotten: IndexPairs, heldOut: IndexPairs): ReturnType<typeof ksTwoSample> {
  const [f, h] = pairScoresMany(model, [forgotten, heldOut], false);
  return ksTwoSample(f.score, h.score);
}

/**
 * The before/after attacker (Chen et al. 2021): with the model before and after a deletion, rank
 * candidate pairs by how much their score dropped. Returns the ROC AUC of the drop at singling out
 * the forgotten pairs among `forgotten` ∪ `others` (0.5 = no better than chance).
 */
export function beforeAfterAuc(before: ALS, after: ALS, forgotten: IndexPairs, others: IndexPairs): number {
  const [f0, o0] = pairScoresMany(before, [forgotten, others], false);
  const [f1, o1] = pairScoresMany(after, [forgotten, others], false);
  const a = f0.score.map((v, t) => v - f1.score[t]);
  const b = o0.score.map((v, t) => v - o1.score[t]);
  const scores = new Float64Array(a.length + b.length);
  scores.set(a, 0);
  scores.set(b, a.length);
  const y = new Uint8Array(scores.length);
  y.fill(1, 0, a.length);
  return rocAuc(scores, y);
}
