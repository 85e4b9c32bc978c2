// Learning new interactions incrementally, the mirror of forgetting: the pairs join the training
// data (from new users and new items too: the id maps grow, their rows start at 0), the changed
// rows are solved exactly, and warm passes run to the same certificate rule as `forget`. The result
// is the model retraining on the grown data aims at, reached from the trained factors.
import { IdMap } from '../data/interactions.js';
import { DataError } from '../data/errors.js';
import { instantStep, settle, stopRule, type ForgetModel, type ForgetOptions, type SettleResult } from './forget.js';
import { findInRow, type PairRows } from './training-pairs.js';
import { confidenceOf } from './confidence.js';

/** A pair to learn: user, item (external ids) and optionally its value (default 1). */
export type LearnPair = readonly [user: string | number, item: string | number, value?: number];

export interface LearnResult extends SettleResult {
  requested: number;
  /** Distinct pairs added to the training data. */
  learned: number;
  /** Pairs the model stored already (left as they were). */
  alreadyStored: number;
  /** Learned pairs that were held-out pairs (they leave the hold-out). */
  fromHeldOut: number;
  newUsers: string[];
  newItems: string[];
  tolerance: number;
  baseCertificate: number;
  /** Mean score of the learned pairs before (a new user or item scores 0) and after. */
  evidence: { learnedBefore: number; learnedAfter: number };
  seconds: number;
}

/** What learning needs of a model beyond what forgetting does (ALS provides it). */
export interface LearnModel extends ForgetModel {
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  setData(data: { users: IdMap; items: IdMap; train: PairRows; test?: PairRows }, confidence?: Float32Array): void;
  setFactors(userFactors: ArrayLike<number>, itemFactors: ArrayLike<number>): void;
}

export function learn(model: LearnModel, pairs: readonly LearnPair[], opts: ForgetOptions = {}): LearnResult {
  if (!Array.isArray(pairs) || pairs.length === 0) throw new DataError('nothing to learn', { expected: 'a non-empty list of (user, item[, value]) pairs' });
  const { tol, maxPasses } = stopRule(model, opts);
  const t0 = performance.now();
  const o = model.options;
  const users = model.userIds;
  const items = model.itemIds;
  const U = model.nUsers;
  const I = model.nItems;
  const newUsers: string[] = [];
  const newItems: string[] = [];
  const grownUsers = new Map<string, number>();
  const grownItems = new Map<string, number>();
  const indexOf = (ids: IdMap, grown: Map<string, number>, fresh: string[], base: number, id: string): number => {
    const known = ids.get(id);
    if (known !== undefined) return known;
    let r = grown.get(id);
    if (r === undefined) {
      r = base + fresh.length;
      grown.set(id, r);
      fresh.push(id);
    }
    return r;
  };
  // resolve first: nothing changes until every pair is valid
  const tr = model.trainRows;
  const test = model.testRows;
  const added = new Map<number, number>(); // u·(I + new) + i → value
  const width = I + pairs.length; // room for every new item
  let alreadyStored = 0;
  const heldOut = new Set<number>();
  for (const [uid, iid, value] of pairs) {
    const v = value ?? 1;
    if (!(v >= 0 && v < Infinity)) {
      throw new DataError(`value ${v} of user "${uid}", item "${iid}" cannot be learned`, { expected: 'a finite value ≥ 0' });
    }
    const u = indexOf(users, grownUsers, newUsers, U, String(uid));
    const i = indexOf(items, grownItems, newItems, I, String(iid));
    if (u < U && i < I && findInRow(tr.indptr, tr.indices, u, i) >= 0) {
      alreadyStored++;
      continue;
    }
    if (test && u < U && i < I) {
      const q = findInRow(test.indptr, test.indices, u, i);
      if (q >= 0) heldOut.add(q);
    }
    const key = u * width + i;
    added.set(key, (added.get(key) ?? 0) + v);
  }
  const U2 = U + newUsers.length;
  const I2 = I + newItems.length;
  const keys = Array.from(added.keys()).sort((a, b) => a - b);
  const addU = Int32Array.from(keys, (key) => Math.floor(key / width));
  const addI = Int32Array.from(keys, (key, t) => key - addU[t] * width);
  const addC = Float32Array.from(keys, (key) => confidenceOf(added.get(key)!, o));
  // evidence before: the learned pairs' scores (a new row scores 0)
  const k = model.k;
  const scoreNow = (): number => {
    const X = model.userFactors;
    const Y = model.itemFactors;
    let sum = 0;
    for (let t = 0; t < keys.length; t++) {
      if (addU[t] >= model.nUsers || addI[t] >= model.nItems) continue;
      let d = 0;
      for (let f = 0; f < k; f++) d += X[addU[t] * k + f] * Y[addI[t] * k + f];
      sum += d;
    }
    return keys.length ? sum / keys.length : 0;
  };
  const learnedBefore = scoreNow();
  const baseCertificate = model.fitResidual;

  // the data change: the training pairs merged row by row, the held-out pairs without the learned ones
  const conf = model.trainConfidence;
  const nnz = tr.indptr[U] + keys.length;
  const indptr = new Int32Array(U2 + 1);
  const indices = new Int32Array(nnz);
  const cf = new Float32Array(nnz);
  let w = 0;
  let a = 0;
  for (let u = 0; u < U2; u++) {
    let p = u < U ? tr.indptr[u] : 0;
    const end = u < U ? tr.indptr[u + 1] : 0;
    while (p < end || (a < keys.length && addU[a] === u)) {
      const takeOld = p < end && !(a < keys.length && addU[a] === u && addI[a] < tr.indices[p]);
      if (takeOld) {
        indices[w] = tr.indices[p];
        cf[w++] = conf[p++];
      } else {
        indices[w] = addI[a];
        cf[w++] = addC[a++];
      }
    }
    indptr[u + 1] = w;
  }
  let grownTest: PairRows | undefined;
  if (test) {
    const tp = new Int32Array(U2 + 1);
    const ti: number[] = [];
    for (let u = 0; u < U; u++) {
      for (let q = test.indptr[u]; q < test.indptr[u + 1]; q++) if (!heldOut.has(q)) ti.push(test.indices[q]);
      tp[u + 1] = ti.length;
    }
    for (let u = U; u < U2; u++) tp[u + 1] = ti.length;
    grownTest = { rows: U2, cols: I2, indptr: tp, indices: Int32Array.from(ti) };
  }
  const X = new Float32Array(U2 * k);
  const Y = new Float32Array(I2 * k);
  X.set(model.userFactors);
  Y.set(model.itemFactors);
  model.setData({
    users: new IdMap([...users.ids, ...newUsers]), items: new IdMap([...items.ids, ...newItems]),
    train: { rows: U2, cols: I2, indptr, indices }, test: grownTest,
  }, cf);
  model.setFactors(X, Y);

  const changedUsers = Int32Array.from(new Set(addU)).sort();
  const changedItems = Int32Array.from(new Set(addI)).sort();
  const rest = settle(model, {
    users: changedUsers, items: changedItems, tol, maxPasses, opts, cache: null, incremental: false, baseCertificate, what: 'learning',
    instant: keys.length > 0 && !opts.noInstant ? () => (instantStep(model, changedUsers, changedItems), undefined) : null,
  });
  return {
    ...rest,
    requested: pairs.length, learned: keys.length, alreadyStored, fromHeldOut: heldOut.size,
    newUsers, newItems, tolerance: tol, baseCertificate,
    evidence: { learnedBefore, learnedAfter: scoreNow() },
    seconds: (performance.now() - t0) / 1000,
  };
}
